/**
 * Generates a tiny BERT-like model that transformers.js can load from disk with
 * `env.allowRemoteModels = false`, so embedding tests run the real loading and
 * inference path without the Hugging Face Hub.
 *
 * The "model" is an embedding lookup: last_hidden_state = E[input_ids] masked by
 * attention_mask, plus a (zero) token-type embedding. With mean pooling this makes
 * a text's vector the normalised average of its word vectors, so texts that share
 * words are close and unrelated texts are not.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { seededRandom } from './seeded-random.js';

const { onnx } = onnxProto;

/** Width of the tiny model's vectors. */
export const TINY_HIDDEN_SIZE = 32;

const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

const ENGLISH_WORDS = [
  'the', 'a', 'an', 'and', 'or', 'to', 'of', 'in', 'on', 'for', 'with', 'is', 'are', 'be', 'can', 'i', 'you', 'we',
  'my', 'your', 'how', 'what', 'when', 'where', 'who', 'do', 'does', 'not', 'please', 'help', 'want', 'need',
  'return', 'home', 'country', 'voluntary', 'assisted', 'reintegration', 'support', 'travel', 'ticket', 'flight',
  'document', 'documents', 'passport', 'visa', 'id', 'office', 'contact', 'phone', 'email', 'address', 'sofia',
  'bulgaria', 'iom', 'family', 'children', 'medical', 'health', 'doctor', 'money', 'cash', 'grant', 'business',
  'job', 'work', 'school', 'housing', 'apply', 'application', 'interview', 'appointment', 'free', 'cost', 'weather',
  'forecast', 'rain', 'sun', 'cat', 'dog', 'music', 'football', 'recipe', 'cake',
];

const SUBWORD_SUFFIXES = ['##s', '##es', '##ed', '##ing', '##er', '##ly', '##tion', '##ment', '##al', '##ity'];

const ARABIC_SCRIPT_WORDS = [
  // Arabic
  'عودة', 'العودة', 'الوطن', 'بلد', 'مساعدة', 'طوعية', 'جواز', 'سفر', 'تذكرة', 'مكتب', 'طبيب', 'مال', 'عمل', 'من', 'في',
  // Persian / Dari
  'بازگشت', 'خانه', 'کشور', 'کمک', 'داوطلبانه', 'گذرنامه', 'بلیط', 'دفتر', 'پزشک', 'کار',
];

const CYRILLIC_WORDS = [
  // Bulgarian / Russian
  'завръщане', 'вкъщи', 'дом', 'страна', 'помощ', 'доброволно', 'паспорт', 'билет', 'офис', 'лекар', 'пари', 'работа',
  'възвращение', 'домой', 'как', 'где',
];

const PUNCTUATION = [...'.,:;!?-()\'"', '؟', '،'];

const LATIN_LETTERS = [...'abcdefghijklmnopqrstuvwxyz'];
const ARABIC_LETTERS = [...'ابتثجحخدذرزسشصضطظعغفقكلمنهويةىءپچژگکی'];
const CYRILLIC_LETTERS = [...'абвгдежзийклмнопрстуфхцчшщъьюя'];

/** Same normalisation as the tokenizer's BertNormalizer (lowercase + strip accents), so vocab entries match. */
function normaliseLikeBert(token: string): string {
  return token.toLowerCase().normalize('NFD').replace(/\p{Mn}/gu, '');
}

/** Builds the vocabulary: specials first (ids 0..4), then words, subwords, punctuation and single characters. */
export function tinyVocabulary(): string[] {
  const entries = [
    ...ENGLISH_WORDS,
    ...SUBWORD_SUFFIXES,
    ...ARABIC_SCRIPT_WORDS,
    ...CYRILLIC_WORDS,
    ...PUNCTUATION,
    ...LATIN_LETTERS,
    ...LATIN_LETTERS.map((c) => `##${c}`),
    ...ARABIC_LETTERS,
    ...ARABIC_LETTERS.map((c) => `##${c}`),
    ...CYRILLIC_LETTERS,
    ...CYRILLIC_LETTERS.map((c) => `##${c}`),
  ].map((token) => (token.startsWith('##') ? `##${normaliseLikeBert(token.slice(2))}` : normaliseLikeBert(token)));
  return [...SPECIAL_TOKENS, ...new Set(entries)];
}

/**
 * Embedding table [vocabSize, hidden]. Special tokens get zero vectors so that
 * [CLS]/[SEP], shared by every text, do not pull unrelated texts together.
 */
function embeddingTable(vocabSize: number, hidden: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  const table = new Float32Array(vocabSize * hidden);
  for (let row = SPECIAL_TOKENS.length; row < vocabSize; row++) {
    for (let col = 0; col < hidden; col++) table[row * hidden + col] = random() * 2 - 1;
  }
  return table;
}

function floatTensor(name: string, dims: number[], values: Float32Array) {
  return onnx.TensorProto.create({
    name,
    dims,
    dataType: onnx.TensorProto.DataType.FLOAT,
    rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
  });
}

function int64Tensor(name: string, values: number[]) {
  const data = BigInt64Array.from(values.map((v) => BigInt(v)));
  return onnx.TensorProto.create({
    name,
    dims: [values.length],
    dataType: onnx.TensorProto.DataType.INT64,
    rawData: new Uint8Array(data.buffer),
  });
}

function tensorValueInfo(name: string, elemType: number, dims: Array<string | number>) {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  });
}

function node(opType: string, inputs: string[], outputs: string[], attribute: object[] = []) {
  return onnx.NodeProto.create({ opType, input: inputs, output: outputs, name: outputs[0], attribute });
}

/** Serialises the ONNX graph: Gather(word) + Gather(token type), times the attention mask. */
function buildOnnxModel(vocabSize: number, hidden: number, seed: number): Uint8Array {
  const INT64 = onnx.TensorProto.DataType.INT64;
  const FLOAT = onnx.TensorProto.DataType.FLOAT;
  const graph = onnx.GraphProto.create({
    name: 'tiny-bert',
    initializer: [
      floatTensor('word_embeddings', [vocabSize, hidden], embeddingTable(vocabSize, hidden, seed)),
      floatTensor('token_type_embeddings', [2, hidden], new Float32Array(2 * hidden)),
      int64Tensor('last_axis', [-1]),
    ],
    node: [
      node('Gather', ['word_embeddings', 'input_ids'], ['word_vectors']),
      node('Gather', ['token_type_embeddings', 'token_type_ids'], ['type_vectors']),
      node('Add', ['word_vectors', 'type_vectors'], ['summed']),
      node('Cast', ['attention_mask'], ['mask_float'], [
        onnx.AttributeProto.create({ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: FLOAT }),
      ]),
      node('Unsqueeze', ['mask_float', 'last_axis'], ['mask_3d']),
      node('Mul', ['summed', 'mask_3d'], ['last_hidden_state']),
    ],
    input: [
      tensorValueInfo('input_ids', INT64, ['batch_size', 'sequence_length']),
      tensorValueInfo('attention_mask', INT64, ['batch_size', 'sequence_length']),
      tensorValueInfo('token_type_ids', INT64, ['batch_size', 'sequence_length']),
    ],
    output: [tensorValueInfo('last_hidden_state', FLOAT, ['batch_size', 'sequence_length', hidden])],
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'rahnama-tiny-model',
    opsetImport: [{ domain: '', version: 13 }],
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}

function tokenizerJson(vocab: string[]) {
  const ids = Object.fromEntries(vocab.map((token, id) => [token, id]));
  const special = (content: string) => ({
    id: ids[content],
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map(special),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: true,
      lowercase: true,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [ids['[CLS]']], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [ids['[SEP]']], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: ids,
    },
  };
}

function configJson(vocabSize: number, hidden: number) {
  return {
    model_type: 'bert',
    architectures: ['BertModel'],
    hidden_size: hidden,
    num_hidden_layers: 1,
    num_attention_heads: 1,
    intermediate_size: hidden * 2,
    max_position_embeddings: 128,
    type_vocab_size: 2,
    vocab_size: vocabSize,
    pad_token_id: 0,
  };
}

const TOKENIZER_CONFIG = {
  tokenizer_class: 'BertTokenizer',
  do_lower_case: true,
  strip_accents: null,
  tokenize_chinese_chars: true,
  model_max_length: 128,
  clean_up_tokenization_spaces: true,
  pad_token: '[PAD]',
  unk_token: '[UNK]',
  cls_token: '[CLS]',
  sep_token: '[SEP]',
  mask_token: '[MASK]',
};

/**
 * Writes the tiny model into `<dir>/<modelId>/` (config, tokenizer and both
 * `onnx/model.onnx` and `onnx/model_quantized.onnx`, identical) and returns the
 * `modelsDir`/`modelId` pair to hand to the embedder.
 */
export async function writeTinyModel(
  dir: string,
  modelId = 'test/tiny-bert',
): Promise<{ modelsDir: string; modelId: string }> {
  const modelDir = join(dir, ...modelId.split('/'));
  await mkdir(join(modelDir, 'onnx'), { recursive: true });

  const vocab = tinyVocabulary();
  const onnxBytes = buildOnnxModel(vocab.length, TINY_HIDDEN_SIZE, 20240611);
  const json = (value: unknown) => JSON.stringify(value, null, 2);

  await Promise.all([
    writeFile(join(modelDir, 'config.json'), json(configJson(vocab.length, TINY_HIDDEN_SIZE))),
    writeFile(join(modelDir, 'tokenizer.json'), json(tokenizerJson(vocab))),
    writeFile(join(modelDir, 'tokenizer_config.json'), json(TOKENIZER_CONFIG)),
    writeFile(join(modelDir, 'onnx', 'model.onnx'), onnxBytes),
    writeFile(join(modelDir, 'onnx', 'model_quantized.onnx'), onnxBytes),
  ]);
  return { modelsDir: dir, modelId };
}
