import { eventually } from './app';
import type { client } from './http';

type Api = ReturnType<typeof client>;

/** A multipart upload body: the fields, then the CSV in the field "file". */
export function csvForm(csv: string | Buffer, fields: Record<string, string> = {}, fileName = 'audience.csv'): FormData {
  const data = new FormData();
  for (const [k, v] of Object.entries(fields)) data.append(k, v);
  data.append('file', new Blob([csv]), fileName);
  return data;
}

/** Uploads a CSV (defaultCountry ID unless given) and returns the queued import's id; the upload must answer 202. */
export async function queueImport(api: Api, csv: string | Buffer, fields: Record<string, string> = { defaultCountry: 'ID' }): Promise<string> {
  const res = await api.post('/v1/contacts/imports', csvForm(csv, fields));
  if (res.status !== 202) throw new Error(`upload answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.id;
}

/** Polls an import until it is completed or failed; resolves with its view. */
export function importFinished(api: Api, id: string, timeoutMs = 30_000) {
  return eventually(async () => {
    const res = await api.get(`/v1/contacts/imports/${id}`);
    return ['completed', 'failed'].includes(res.body.status) ? res.body : undefined;
  }, timeoutMs, `import ${id}`);
}
