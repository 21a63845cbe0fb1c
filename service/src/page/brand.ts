// The clinic's colour. CSP forbids inline style, so the colour reaches the page as a tiny stylesheet
// whose address carries the colour itself (cacheable forever), with text in black or white,
// whichever contrasts more (always at least 4.5:1, WCAG AA for normal text).

const HEX_COLOR = /^#?([0-9a-f]{6})$/i;
/** Used when the org's colour is missing or not '#RRGGBB'. */
export const DEFAULT_BRAND = '1f4e79';

/** 'RRGGBB' in lower case, or the default for anything that is not a '#RRGGBB' colour. */
export function brandHex(color: string | undefined): string {
  const match = HEX_COLOR.exec(color ?? '');
  return match ? match[1]!.toLowerCase() : DEFAULT_BRAND;
}

function channel(value: number): number {
  const c = value / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

/** WCAG relative luminance of 'RRGGBB'. */
export function luminance(hex: string): number {
  const [r, g, b] = [0, 2, 4].map((at) => channel(parseInt(hex.slice(at, at + 2), 16))) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrastRatio(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

/** Black or white text on the brand colour, whichever contrasts more. */
export function textOn(hex: string): string {
  return contrastRatio(hex, 'ffffff') >= contrastRatio(hex, '000000') ? 'ffffff' : '000000';
}

export function brandStylesheet(hex: string): string {
  const text = textOn(hex);
  return `.brand,.button-primary{background-color:#${hex};color:#${text}}\n.brand a{color:#${text}}\n`;
}
