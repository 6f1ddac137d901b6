/**
 * Every English string of the console, in one place (issue 14: "strings in one place per
 * language"). id.ts must have the same keys (its type says so). `{name}` is replaced by t().
 */
export const en = {
  'app.title': 'Siaran',
  'app.tagline': 'WhatsApp campaigns, consent first',
  'app.skip': 'Skip to content',
  'nav.contacts': 'Contacts',
  'nav.templates': 'Templates',
  'nav.campaigns': 'Campaigns',
  'nav.compliance': 'Compliance',
  'nav.signOut': 'Sign out',
  'nav.language': 'Language',
  'signIn.title': 'Sign in',
  'signIn.key': 'API key',
  'signIn.keyHint': 'Create one with: npm run apikey -- create <name>. It is kept for this browser session only.',
  'signIn.submit': 'Sign in',
  'signIn.invalid': 'This key was refused: check it, or create a new one.',
  'common.loading': 'Loading…',
  'common.retry': 'Try again',
  'common.save': 'Save',
  'common.cancel': 'Cancel',
  'common.next': 'Next page',
  'common.previous': 'First page',
  'common.none': 'None',
  'common.download': 'Download',
  'common.search': 'Search',
  'common.error': 'Error {code}: {message}',
  'common.all': 'All',
  'common.back': 'Back',
  'common.close': 'Close',
} as const;

export type MessageKey = keyof typeof en;
