import { createHash, randomBytes } from 'node:crypto';
import { Busboy } from '@fastify/busboy';
import { errorCodes, type FastifyPluginAsync, type FastifyReply, type FastifyRequest } from 'fastify';
import type { KnowledgeEntry } from '../../knowledge/schema.js';
import { signedIn, type ConsoleKit } from '../console-kit.js';
import type { KnowledgeEditor } from '../knowledge-editor.js';
import { exportCsv, planImport, readCsv, type SheetRead } from '../spreadsheet.js';
import { exportXlsx, readXlsx, workbookKind, XLS_REFUSED, XLSX_TYPE } from '../spreadsheet-xlsx.js';
import { applyPage, dryRunPage, transferPage } from '../transfer-pages.js';

export interface TransferRoutesOptions {
  kit: ConsoleKit;
  knowledge: { entries: () => Iterable<KnowledgeEntry>; editor: KnowledgeEditor };
  /** How long a dry run can be applied (default 30 minutes). */
  pendingMinutes?: number;
}

/** The largest spreadsheet accepted, pasted or uploaded. */
const MAX_UPLOAD = 5 * 1024 * 1024;

/** A dry run that can be applied: exactly the edits the staff member saw, and their files' versions. */
interface PendingImport {
  readonly sessionId: string;
  readonly expires: number;
  readonly edits: readonly { entry: KnowledgeEntry; baseVersion: string }[];
}

/** A file chosen in the import form, as its bytes. */
interface Upload {
  readonly filename: string;
  readonly data: Buffer;
}

/**
 * Spreadsheet import and export (/admin/transfer): the whole knowledge base as CSV or XLSX, one
 * row per entry and language, and back in either format. An import is always a dry run first
 * (what would change, every bad row and why, the knowledge base check with the changes); it can
 * be applied only when clean, by a second POST naming that dry run, which applies what was
 * reviewed and nothing else.
 */
const transferRoutes: FastifyPluginAsync<TransferRoutesOptions> = async (app, opts) => {
  const { kit, knowledge } = opts;
  const pendingMs = (opts.pendingMinutes ?? 30) * 60_000;
  /** Dry runs awaiting apply, by a random token; one per session, in memory, short-lived. */
  const pending = new Map<string, PendingImport>();
  const forget = (sessionId: string) => {
    const now = Date.now();
    for (const [token, p] of pending) if (p.sessionId === sessionId || p.expires < now) pending.delete(token);
  };

  // Multipart (file upload) only for this area, parsed into fields before the console's CSRF
  // check (which reads the `_csrf` field); the file's bytes are kept beside the request, out of
  // reach of a form field of the same name.
  const uploads = new WeakMap<FastifyRequest, Upload>();
  app.addContentTypeParser('multipart/form-data', (request, payload, done) => parseMultipart(request, payload, (upload) => uploads.set(request, upload), done));

  const currentEntries = async () => {
    const found = await Promise.all([...knowledge.entries()].map((e) => knowledge.editor.read(e.id)));
    return new Map(found.filter((f) => f !== undefined).map((f) => [f.entry.id, f]));
  };

  app.get('/admin/transfer', async (request, reply) => kit.sendPage(reply, 200, transferPage(signedIn(kit, request))));

  const download = async (reply: FastifyReply, extension: 'csv' | 'xlsx', type: string, body: (entries: KnowledgeEntry[]) => string | Promise<Buffer>) => {
    const entries = [...(await currentEntries()).values()].map((f) => f.entry);
    const date = new Date().toISOString().slice(0, 10);
    return reply
      .header('content-disposition', `attachment; filename="rahnama-knowledge-${date}.${extension}"`)
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      .type(type)
      .send(await body(entries));
  };
  app.get('/admin/transfer/export.csv', async (_request, reply) => download(reply, 'csv', 'text/csv; charset=utf-8', exportCsv));
  app.get('/admin/transfer/export.xlsx', async (_request, reply) => download(reply, 'xlsx', XLSX_TYPE, exportXlsx));

  const text = { type: 'string', maxLength: MAX_UPLOAD } as const;
  app.post<{ Body: { csv?: string } }>(
    '/admin/transfer/dry-run',
    { bodyLimit: MAX_UPLOAD + 64 * 1024, schema: { body: { type: 'object', properties: { csv: text, _csrf: { type: 'string', maxLength: 100 } } } } },
    async (request, reply) => {
      const context = signedIn(kit, request);
      // A chosen file first (browsers send an empty one when none is chosen), else the pasted text.
      const file = uploads.get(request);
      const blank = (data: Buffer) => data.toString('utf8').trim() === '';
      const uploaded = file && !blank(file.data) ? file : { filename: '', data: Buffer.from(request.body.csv ?? '', 'utf8') };
      if (blank(uploaded.data)) return kit.sendPage(reply, 400, transferPage(context, 'empty'));
      const current = await currentEntries();
      const plan = planImport(await readUpload(uploaded), new Map([...current].map(([id, f]) => [id, f.entry])));
      const problems = plan.edited.size > 0 ? await knowledge.editor.checkMany([...plan.edited.values()]) : [];
      const clean = plan.bad.length === 0 && problems.length === 0;
      forget(context.session.id);
      let token: string | undefined;
      if (clean && plan.edited.size > 0) {
        token = randomBytes(24).toString('base64url');
        const edits = [...plan.edited.values()].map((entry) => ({ entry, baseVersion: current.get(entry.id)!.version }));
        pending.set(token, { sessionId: context.session.id, expires: Date.now() + pendingMs, edits });
      }
      const digest = createHash('sha256').update(uploaded.data).digest('hex').slice(0, 16);
      request.log.info({ format: workbookKind(uploaded.data, uploaded.filename), rows: plan.rows, bad: plan.bad.length, changes: plan.changes.length, problems: problems.length, digest }, 'console: spreadsheet import dry run');
      return kit.sendPage(reply, clean ? 200 : 422, dryRunPage(context, { digest, rows: plan.rows, bad: plan.bad, changes: plan.changes, problems, token }));
    },
  );

  app.post<{ Body: { token: string } }>(
    '/admin/transfer/apply',
    { schema: { body: { type: 'object', required: ['token'], properties: { token: { type: 'string', maxLength: 64 }, _csrf: { type: 'string', maxLength: 100 } } } } },
    async (request, reply) => {
      const context = signedIn(kit, request);
      const found = pending.get(request.body.token);
      if (!found || found.sessionId !== context.session.id || found.expires < Date.now()) {
        return kit.sendPage(reply, 410, transferPage(context, 'expired'));
      }
      pending.delete(request.body.token);
      const result = await knowledge.editor.publishMany(found.edits, context.session.email);
      request.log.info({ entries: found.edits.length, published: result.published }, 'console: spreadsheet import applied');
      const status = result.published ? 200 : 'conflict' in result ? 409 : 422;
      return kit.sendPage(reply, status, applyPage(context, result));
    },
  );
};

/** An uploaded file's rows: an .xlsx workbook by its content (a zip) or name, else UTF-8 CSV text. */
async function readUpload({ filename, data }: Upload): Promise<SheetRead> {
  switch (workbookKind(data, filename)) {
    case 'xlsx':
      return readXlsx(data);
    case 'xls':
      return { unreadable: XLS_REFUSED };
    case 'text':
      return readCsv(data.toString('utf8'));
  }
}

/** A multipart form's fields as strings and its one file as bytes, within the size limit. */
function parseMultipart(request: FastifyRequest, payload: NodeJS.ReadableStream, onFile: (upload: Upload) => void, done: (error: Error | null, body?: unknown) => void): void {
  const tooLarge = () => new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE();
  if (Number(request.headers['content-length'] ?? 0) > MAX_UPLOAD + 64 * 1024) return done(tooLarge());
  let busboy: InstanceType<typeof Busboy>;
  try {
    busboy = new Busboy({ headers: request.headers as { 'content-type': string }, limits: { fileSize: MAX_UPLOAD, fieldSize: MAX_UPLOAD, files: 1, fields: 10, parts: 12 } });
  } catch (error) {
    return done(error as Error);
  }
  const fields: Record<string, string> = {};
  let failed = false;
  const fail = (error: Error) => {
    if (failed) return;
    failed = true;
    payload.unpipe(busboy);
    done(error);
  };
  busboy.on('field', (name, value, _nameTruncated, valueTruncated) => {
    if (valueTruncated) fail(tooLarge());
    else fields[name] = value;
  });
  busboy.on('file', (name, stream, filename) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('limit', () => fail(tooLarge()));
    stream.on('end', () => {
      if (name === 'file') onFile({ filename: filename ?? '', data: Buffer.concat(chunks) });
    });
  });
  busboy.on('error', (error: Error) => fail(error));
  busboy.on('finish', () => {
    if (!failed) done(null, fields);
  });
  payload.pipe(busboy);
}

export default transferRoutes;
