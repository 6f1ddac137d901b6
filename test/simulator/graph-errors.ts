import { randomBytes } from 'node:crypto';
import type { GraphErrorBody } from '../../src/whatsapp/cloud-api.types';

/**
 * Graph API errors as WhatsApp answers them. Handlers throw a GraphError; the server turns it into
 * the exact body shape `{"error":{"message","type","code","error_data","fbtrace_id"}}`.
 */
export class GraphError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly code: number,
    message: string,
    readonly extra: {
      details?: string;
      subcode?: number;
      type?: string;
      userTitle?: string;
      userMsg?: string;
    } = {},
  ) {
    super(message);
  }

  body(): GraphErrorBody {
    return {
      error: {
        message: this.message,
        type: this.extra.type ?? 'OAuthException',
        code: this.code,
        ...(this.extra.subcode !== undefined ? { error_subcode: this.extra.subcode } : {}),
        ...(this.extra.userTitle ? { error_user_title: this.extra.userTitle, error_user_msg: this.extra.userMsg } : {}),
        ...(this.extra.details !== undefined ? { error_data: { messaging_product: 'whatsapp', details: this.extra.details } } : {}),
        fbtrace_id: traceId(),
      },
    };
  }
}

/** Graph's request trace id: opaque, different on every error. */
export function traceId(): string {
  return `A${randomBytes(8).toString('base64url')}`;
}

const whatsappError = (httpStatus: number, code: number, message: string) => (details: string) =>
  new GraphError(httpStatus, code, `(#${code}) ${message}`, { details });

/** The errors the simulator answers synchronously, by Graph code. */
export const graphErrors = {
  invalidToken: () => new GraphError(401, 190, 'Invalid OAuth access token - Cannot parse access token'),
  unknownObject: (id: string, method: string) =>
    new GraphError(
      400,
      100,
      `Unsupported ${method.toLowerCase()} request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api`,
      { subcode: 33, type: 'GraphMethodException' },
    ),
  unknownPath: (path: string) => new GraphError(400, 2500, `Unknown path components: ${path}`),
  invalidParameter: whatsappError(400, 100, 'Invalid parameter'),
  invalidValue: whatsappError(400, 131009, 'Parameter value is not valid'),
  parameterCount: whatsappError(400, 132000, 'Number of parameters does not match the expected number of params'),
  templateNotFound: whatsappError(404, 132001, 'Template name does not exist in the translation'),
  parameterFormat: whatsappError(400, 132012, 'Parameter format does not match format in the created template'),
  templatePaused: whatsappError(400, 132015, 'Template is Paused'),
  templateDisabled: whatsappError(400, 132016, 'Template is Disabled'),
  parameterText: whatsappError(400, 132018, 'There was an issue with the parameters in your template.'),
  marketingOnly: whatsappError(400, 131063, 'Marketing template messages must be sent with the Marketing Messages API'),
  throughput: whatsappError(400, 130429, 'Rate limit hit'),
  pairRate: whatsappError(400, 131056, '(Business Account, Consumer Account) pair rate limit hit'),
  serviceError: whatsappError(500, 131000, 'Something went wrong'),
  templateExists: (language: string) =>
    new GraphError(400, 100, 'Invalid parameter', {
      subcode: 2388023,
      userTitle: 'Message template already exists',
      userMsg: `There is already ${language} content for this template. You can create a new template and try again.`,
    }),
  unknownError: () => new GraphError(500, 1, 'An unknown error occurred'),
  /**
   * A template language WhatsApp does not take (id_ID, en-US): Graph answers code 100 on creation.
   * The user title and message are modelled on Graph's other template refusals (2388023), not copied
   * from a captured answer.
   */
  templateLanguage: (language: string) =>
    new GraphError(400, 100, 'Invalid parameter', {
      userTitle: 'Invalid language',
      userMsg: `The language ${language} is not supported for message templates. Choose a supported language such as id or en_US.`,
      details: `Param language must be one of WhatsApp's supported template languages; ${language} is not`,
    }),
  /** An edit (POST /{template-id}) of a template that is not APPROVED, REJECTED or PAUSED, or of an approved one's category. */
  templateNotEditable: (why: string) =>
    new GraphError(400, 100, 'Invalid parameter', { userTitle: "Message template can't be edited", userMsg: why, details: why }),
  /** An approved template edited a second time in 24 hours, or an 11th time in 30 days. */
  templateEditLimit: (why: string) =>
    new GraphError(400, 100, 'Invalid parameter', { userTitle: 'Message template edit limit reached', userMsg: why, details: why }),
};
