import { createHash } from 'node:crypto';
import { Busboy } from '@fastify/busboy';
import { errorCodes, type FastifyPluginAsync, type FastifyReply, type FastifyRequest } from 'fastify';
import { RahnamaError } from '../../errors.js';
import type { KnowledgeEntry } from '../../knowledge/schema.js';
import { signedIn, type ConsoleKit } from '../console-kit.js';
import { checkUploadInWorker, type Upload } from '../import-check.js';
import type { KnowledgeEditor } from '../knowledge-editor.js';
import type { PendingImports } from '../pending-imports.js';
import { exportCsv, SHEET_LIMITS } from '../spreadsheet.js';
import { exportXlsx, workbookKind, XLSX_TYPE } from '../spreadsheet-xlsx.js';
import { applyPage, dryRunPage, transferPage } from '../transfer-pages.js';

export interface TransferRoutesOptions {
  kit: ConsoleKit;
  knowledge: { entries: () => Iterable<KnowledgeEntry>; editor: KnowledgeEditor };
  /** Clean dry runs awaiting apply, on the store (any instance can apply them). */
  pending: PendingImports;
}

/** The largest spreadsheet accepted, pasted or uploaded. */
const MAX_UPLOAD = SHEET_LIMITS.maxBytes;

/**
 * Spreadsheet import and export (/admin/transfer): the whole knowledge base as CSV or XLSX, one
 * row per entry and language, and back in either format. An import is always a dry run first
 * (what would change, every bad row and why, the knowledge base check with the changes); it can
 * be applied only when clean, by a second POST naming that dry run, which applies what was
 * reviewed and nothing else. The file is read and planned in a worker thread, within
 * SHEET_LIMITS; a hostile workbook archive is refused with a coded 400.
 */
const transferRoutes: FastifyPluginAsync<TransferRoutesOptions> = async (app, opts) => {
  const { kit, knowledge, pending } = opts;

  // Multipart (file upload) only for this area, parsed into fields before the console's CSRF
  // check (which reads the `_csrf` field); the file's bytes are kept beside the request, out of
  // reach of a form field of the same name.
  const uploads = new WeakMap<FastifyRequest, Upload>();
  app.addContentTypeParser('multipart/form-data', (request, payload, done) => parseMultipart(request, payload, (upload) => uploads.set(request, upload), done));

  const currentEntries = async () => {
    const found = await Promise.all([...knowledge.entries()].map((e) => knowledge.editor.read(e.id)));
    return new Map(found.filter((f) => f !== undefined).map((f) => [f.entry.id, f]));
  };
  /** The entries' files as published, unparsed: text and version by id. */
  const currentFiles = async () => {
    const found = await Promise.all([...knowledge.entries()].map(async (e) => [e.id, await knowledge.editor.readFile(knowledge.editor.fileOf(e.id))] as const));
    return new Map(found.filter(([, f]) => f.text !== ''));
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

  // The pasted text's size is held by the body limit (bytes) and busboy's field limit: a
  // `maxLength` here would count 5 MB of characters again on the server's thread.
  const text = { type: 'string' } as const;
  app.post<{ Body: { csv?: string } }>(
    '/admin/transfer/dry-run',
    { bodyLimit: MAX_UPLOAD + 64 * 1024, schema: { body: { type: 'object', properties: { csv: text, _csrf: { type: 'string', maxLength: 100 } } } } },
    async (request, reply) => {
      const context = signedIn(kit, request);
      // A chosen file first (browsers send an empty one when none is chosen), else the pasted text.
      const file = uploads.get(request);
      const uploaded: Upload = file && !blank(file.data) ? file : { filename: '', data: Buffer.from(request.body.csv ?? '', 'utf8') };
      if (blank(uploaded.data)) return kit.sendPage(reply, 400, transferPage(context, 'empty'));
      // The entries' files as text and version: the worker parses them, off this thread.
      const current = await currentFiles();
      const digest = createHash('sha256').update(uploaded.data).digest('hex').slice(0, 16);
      const format = workbookKind(Buffer.from(uploaded.data.buffer, uploaded.data.byteOffset, uploaded.data.byteLength), uploaded.filename);
      const check = await checkUploadInWorker(uploaded, new Map([...current].map(([id, f]) => [id, f.text])));
      if ('refused' in check) {
        request.log.warn({ format, digest, reason: check.refused }, 'console: spreadsheet import refused');
        throw new RahnamaError('RAHNAMA_SPREADSHEET_REFUSED', [check.refused]);
      }
      const { plan } = check;
      // Bounded by the knowledge base, not by the file: at most every entry, each once.
      const problems = plan.edited.size > 0 ? await knowledge.editor.checkMany([...plan.edited.values()]) : [];
      const clean = plan.badRows === 0 && problems.length === 0;
      // One dry run per session: this one replaces the last, applicable only if clean.
      let token: string | undefined;
      if (clean && plan.edited.size > 0) {
        token = await pending.save(context.session.id, [...plan.edited.values()].map((entry) => ({ entry, baseVersion: current.get(entry.id)!.version })));
      } else {
        await pending.forget(context.session.id);
      }
      request.log.info({ format, rows: plan.rows, bad: plan.badRows, changes: plan.changes.length, problems: problems.length, digest }, 'console: spreadsheet import dry run');
      return kit.sendPage(reply, clean ? 200 : 422, dryRunPage(context, { digest, rows: plan.rows, bad: plan.bad, badRows: plan.badRows, changes: plan.changes, problems, token }));
    },
  );

  app.post<{ Body: { token: string } }>(
    '/admin/transfer/apply',
    { schema: { body: { type: 'object', required: ['token'], properties: { token: { type: 'string', maxLength: 64 }, _csrf: { type: 'string', maxLength: 100 } } } } },
    async (request, reply) => {
      const context = signedIn(kit, request);
      const edits = await pending.take(context.session.id, request.body.token);
      if (!edits) return kit.sendPage(reply, 410, transferPage(context, 'expired'));
      const result = await knowledge.editor.publishMany(edits, context.session.email);
      request.log.info({ entries: edits.length, published: result.published }, 'console: spreadsheet import applied');
      const status = result.published ? 200 : 'conflict' in result ? 409 : 422;
      return kit.sendPage(reply, status, applyPage(context, result));
    },
  );
};

/** Whether an upload holds nothing but white space (and a byte-order mark): looks at bytes, decodes nothing. */
function blank(data: Uint8Array): boolean {
  const BOM = [0xef, 0xbb, 0xbf];
  return data.every((byte, i) => byte === 0x20 || (byte >= 0x09 && byte <= 0x0d) || (i < 3 && byte === BOM[i]));
}

/** A multipart form's fields as strings and its one file as bytes, within the size limit. */
function parseMultipart(request: FastifyRequest, payload: NodeJS.ReadableStream, onFile: (upload: Upload) => void, done: (error: Error | null, body?: unknown) => void): void {
  const tooLarge = () => new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE();
  if (Number(request.headers['content-length'] ?? 0) > MAX_UPLOAD + 64 * 1024) {
    done(tooLarge());
    return;
  }
  let busboy: InstanceType<typeof Busboy>;
  try {
    busboy = new Busboy({ headers: request.headers as { 'content-type': string }, limits: { fileSize: MAX_UPLOAD, fieldSize: MAX_UPLOAD, files: 1, fields: 10, parts: 12 } });
  } catch (error) {
    done(error as Error);
    return;
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
