/** Small helpers for specs and benchmarks that talk to the simulator over HTTP. */

export const GRAPH_VERSION = 'v25.0';

export interface Answer {
  status: number;
  /** Parsed JSON, or the text when the answer is not JSON. */
  // any: a JSON boundary, read only by assertions.
  body: any;
  contentType: string;
}

/** A JSON client for the simulator's Graph API, with a Bearer token (null: none). */
export function graphClient(baseUrl: string, token: string | null = 'sim-token') {
  const call = async (method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Answer> => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(token !== null ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      signal,
    });
    const text = await res.text();
    const contentType = res.headers.get('content-type') ?? '';
    return { status: res.status, body: contentType.includes('json') && text ? JSON.parse(text) : text, contentType };
  };
  return {
    get: (path: string) => call('GET', path),
    post: (path: string, body: unknown, signal?: AbortSignal) => call('POST', path, body, signal),
    delete: (path: string) => call('DELETE', path),
    /** POST /{version}/{phoneNumberId}/{edge}. */
    send: (phoneNumberId: string, body: unknown, edge: 'messages' | 'marketing_messages' = 'messages', signal?: AbortSignal) =>
      call('POST', `/${GRAPH_VERSION}/${phoneNumberId}/${edge}`, body, signal),
  };
}

export function textMessage(to: string, body = 'Halo', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { messaging_product: 'whatsapp', recipient_type: 'individual', to, type: 'text', text: { body }, ...extra };
}

export function templateMessage(to: string, name: string, language: string, components: unknown[] = [], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { messaging_product: 'whatsapp', recipient_type: 'individual', to, type: 'template', template: { name, language: { code: language }, components }, ...extra };
}

/** A body component with text parameters (named when given as [name, value] pairs). */
export function bodyParameters(...values: Array<string | [string, string]>): Record<string, unknown> {
  return {
    type: 'body',
    parameters: values.map((v) => (typeof v === 'string' ? { type: 'text', text: v } : { type: 'text', parameter_name: v[0], text: v[1] })),
  };
}
