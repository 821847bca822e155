/** A strict RFC 4180 reader for tests: quoted fields, doubled quotes, CRLF records; the BOM is dropped. */
export const parseCsv = (text: string): string[][] => {
  const body = text.startsWith('\ufeff') ? text.slice(1) : text;
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let index = 0; index < body.length; index += 1) {
    const char = body[index];
    if (quoted) {
      if (char === '"' && body[index + 1] === '"') {
        field += '"';
        index += 1;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"' && field === '') quoted = true;
    else if (char === ',') {
      record.push(field);
      field = '';
    } else if (char === '\r' && body[index + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      index += 1;
    } else if (char === '\r' || char === '\n' || char === '"')
      throw new Error(`bare ${JSON.stringify(char)} outside quotes at ${index}`);
    else field += char;
  }
  if (quoted) throw new Error('unterminated quoted field');
  if (field !== '' || record.length > 0) throw new Error('the last record does not end in CRLF');
  return records;
};
