// The small pure parts of the booking page: escaping, brand contrast, language choice.
import fc from 'fast-check';
import t from 'tap';
import { brandHex, contrastRatio, textOn } from '../../service/src/page/brand.ts';
import { html } from '../../service/src/page/html.ts';
import { languageFor } from '../../service/src/page/text/index.ts';

t.test('html escapes every interpolated string, and nests templates as they are', async (t) => {
  fc.assert(
    fc.property(fc.string(), (value) => {
      const out = html`<p title="${value}">${value}</p>`.text;
      return !/[<>"']/.test(out.slice('<p title="'.length, out.indexOf('">'))) && !out.slice(3).includes('<p');
    }),
  );
  t.equal(html`<b>${html`<i>${'<x>'}</i>`}</b>`.text, '<b><i>&lt;x&gt;</i></b>');
  t.equal(html`${['<a>', html`<br />`]}${false}${null}${undefined}${0}`.text, '&lt;a&gt;<br />0');
});

t.test('text on the brand colour always meets 4.5:1; only #RRGGBB colours are used', async (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffff }), (value) => {
      const hex = value.toString(16).padStart(6, '0');
      return contrastRatio(hex, textOn(hex)) >= 4.5;
    }),
  );
  t.equal(textOn('1b5fa8'), 'ffffff');
  t.equal(textOn('ffd700'), '000000');
  t.equal(brandHex('#1B5FA8'), '1b5fa8');
  t.equal(brandHex('red'), '1f4e79');
  t.equal(brandHex('#1b5fa8;}body{'), '1f4e79');
});

t.test('the page language: the first one spoken, with the browser region for dates', async (t) => {
  t.equal(languageFor('fr-FR,en-US;q=0.8').locale, 'en-US');
  t.equal(languageFor('en').locale, 'en-GB');
  t.equal(languageFor(undefined).locale, 'en-GB');
  t.equal(languageFor('en-!!').locale, 'en-GB', 'a malformed tag is ignored');
});
