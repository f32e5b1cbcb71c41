// A scenario's (or a cost model's) bytes as text: UTF-8 only, and bounded.
// The CLI reads files through it (src/cli/main.ts, readTextFile) and the
// extension reads scenarios through it (src/extension/commands.ts), so both
// refuse the same files with the same words: more than MAX_INPUT_BYTES,
// UTF-16 (a byte-order mark), binary (a NUL byte), bytes that are not UTF-8,
// each with the offset where it goes wrong.
//
// No Node API is used here: the loader also runs in the browser.

/** the most a scenario or cost file may hold (a 10^6-extent scenario is about 42 MB) */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;

/** the refusal of a file that is too large, in the words both the CLI and the extension use */
export function tooLargeMessage(limit = MAX_INPUT_BYTES): string {
  return `larger than ${limit / (1024 * 1024)} MiB (the most a scenario may be); not read further`;
}

/** `bytes` as UTF-8 text, or an Error saying why they are not (UTF-16, a NUL byte, invalid UTF-8 at an offset) */
export function decodeText(bytes: Uint8Array): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) throw new Error('not UTF-8 text: it is UTF-16 (a byte-order mark at the start); save it as UTF-8');
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw new Error(`not UTF-8 text: a NUL byte at offset ${nul} (a binary file?)`);
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    let bad = 0;
    for (let lo = 0, hi = bytes.length; lo < hi; ) {
      // the longest prefix that decodes
      const mid = (lo + hi + 1) >> 1;
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, mid), { stream: true });
        lo = mid;
        bad = mid;
      } catch {
        hi = mid - 1;
      }
    }
    // the bytes the decoder was holding belong to the broken sequence: name its lead byte
    let at = bad;
    let lead = bad - 1;
    while (lead >= 0 && lead > bad - 4 && (bytes[lead]! & 0xc0) === 0x80) lead--;
    if (lead >= 0 && (bytes[lead]! & 0xc0) === 0xc0) {
      const need = bytes[lead]! >= 0xf0 ? 4 : bytes[lead]! >= 0xe0 ? 3 : 2;
      if (bad - lead < need) at = lead; // an incomplete sequence: it starts at its lead byte
    }
    throw new Error(`not UTF-8 text: invalid UTF-8 at byte offset ${at}`);
  }
}
