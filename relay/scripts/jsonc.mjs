// JSON with comments, as wrangler reads wrangler.jsonc: `//` and `/* */` comments anywhere outside strings,
// and trailing commas (Prettier writes them in .jsonc files). Strings are copied as they are, so a `//` in a
// URL or a `,}` in a value stays.

/** Parses JSONC text; throws SyntaxError like JSON.parse on anything else that is not JSON. */
export function parseJsonc(text) {
  let out = '';
  for (let i = 0; i < text.length;) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) throw new SyntaxError('JSONC: unterminated /* comment');
      out += ' ';
      i = end + 2;
    } else {
      out += c;
      i++;
    }
  }
  // Trailing commas: only outside strings (strings were copied whole above, so split on them again).
  return JSON.parse(out.replace(/("(?:[^"\\]|\\.)*")|,(\s*[}\]])/g, (m, str, close) => str ?? close));
}
