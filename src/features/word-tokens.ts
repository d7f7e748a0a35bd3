/**
 * Word tokens of catalogue text for pretrained word vectors (words.ts): HTML entities decoded (Amazon titles
 * carry `&amp;`, `&#39;`), NFKC, lower-cased, maximal runs of letters/digits with inner hyphens and apostrophes
 * kept (`anti-aging` has its own vector in GloVe-style vocabularies), a possessive `'s` dropped. A token is then
 * looked up as written, without diacritics (`crème` -> `creme`), as a singular (`exfoliators` -> `exfoliator`:
 * vocabularies miss plurals that catalogues' category names use), and, when none has a vector, as its parts
 * split at hyphens, apostrophes and letter/digit boundaries (`5oz` -> `5`, `oz`). Unlike tfidf.ts's `words`,
 * nothing a vector file knows is lost to splitting.
 */

const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  reg: '®',
  trade: '™',
  copy: '©',
  deg: '°',
  hellip: '…',
  ndash: '–',
  mdash: '—',
  lsquo: '‘',
  rsquo: '’',
  ldquo: '“',
  rdquo: '”',
  times: '×',
  frac12: '½',
  eacute: 'é',
  egrave: 'è',
  ecirc: 'ê',
  aacute: 'á',
  agrave: 'à',
  acirc: 'â',
  iacute: 'í',
  oacute: 'ó',
  ocirc: 'ô',
  uacute: 'ú',
  uuml: 'ü',
  ouml: 'ö',
  auml: 'ä',
  euml: 'ë',
  iuml: 'ï',
  ntilde: 'ñ',
  ccedil: 'ç',
  szlig: 'ß',
};

/**
 * Decodes HTML character references (`&amp;`, `&#39;`, `&#x27;`, common named ones); double-encoded text
 * (`&amp;amp;`) is decoded twice. Unknown named references become a space (they are markup, not words).
 */
export function decodeHtmlEntities(text: string): string {
  let out = text;
  for (let pass = 0; pass < 2 && out.includes('&'); pass++) {
    out = out.replace(/&(#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z][a-zA-Z0-9]{1,15});/g, (_, ref: string) => {
      if (ref[0] === '#') {
        const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
        return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : ' ';
      }
      return NAMED_ENTITIES[ref.toLowerCase()] ?? ' ';
    });
  }
  return out;
}

const TOKEN = /[\p{L}\p{N}]+(?:['-][\p{L}\p{N}]+)*/gu;

/** Tokens of `text` as looked up in a vector file: `Dr. Scholl&#39;s Anti-Aging` -> dr, scholl, anti-aging. */
export function wordTokens(text: string): string[] {
  const clean = decodeHtmlEntities(text)
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[’‘`´]/g, "'")
    .replace(/[‐‑–]/g, '-');
  const out: string[] = [];
  for (const match of clean.matchAll(TOKEN)) {
    const token = match[0].length > 2 && match[0].endsWith("'s") ? match[0].slice(0, -2) : match[0];
    out.push(token);
  }
  return out;
}

/** `token` without combining marks (`crème` -> `creme`). */
export function foldDiacritics(token: string): string {
  return token.normalize('NFD').replace(/\p{M}/gu, '').normalize('NFC');
}

const PART_BOUNDARY = /['-]|(?<=\p{N})(?=\p{L})|(?<=\p{L})(?=\p{N})/u;

function partsOf(token: string): string[] {
  const parts = token.split(PART_BOUNDARY).filter((p) => p !== '');
  return parts.length > 1 ? parts : [];
}

/** Singular candidates of an English plural, most specific first: `brushes` -> brush, brushe; `lilies` -> lily. */
function singulars(word: string): string[] {
  if (word.length < 4 || !word.endsWith('s') || word.endsWith('ss')) return [];
  if (word.endsWith('ies')) return [`${word.slice(0, -3)}y`, word.slice(0, -1)];
  if (/(?:s|x|z|ch|sh)es$/.test(word)) return [word.slice(0, -2), word.slice(0, -1)];
  return [word.slice(0, -1)];
}

/** The keys a single token is looked up as, in order: as written, without diacritics, singulars of either. */
function variants(token: string): string[] {
  const folded = foldDiacritics(token);
  return [...new Set([token, folded, ...singulars(token), ...singulars(folded)])];
}

/** Every key `resolveToken` may look up for `token` (what a vector file must be scanned for). */
export function lookupKeys(token: string): string[] {
  const keys = new Set<string>(variants(token));
  for (const part of partsOf(token)) for (const key of variants(part)) keys.add(key);
  return [...keys];
}

/**
 * The words `token` counts as: the first of its variants (as written, without diacritics, singular) that `known`
 * accepts; else, for a compound, each part resolved the same way; else the token itself (an unknown word,
 * still counted in p(w)).
 */
export function resolveToken(token: string, known: (word: string) => boolean): string[] {
  const single = (t: string): string | undefined => variants(t).find(known);
  const whole = single(token);
  if (whole !== undefined) return [whole];
  const parts = partsOf(token);
  if (parts.length === 0) return [token];
  return parts.map((p) => single(p) ?? p);
}
