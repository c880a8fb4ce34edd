/**
 * A run keeps its colour everywhere (table swatch, every chart, compare views): the colour comes
 * from its position in the comparison when there is one, else from its id.
 */
export const runPalette = [
  '#5b5bd6',
  '#e5484d',
  '#30a46c',
  '#f76b15',
  '#0090ff',
  '#d6409f',
  '#12a594',
  '#ab4aba',
  '#ffb224',
  '#3e63dd',
  '#978365',
  '#e54666',
  '#46a758',
  '#8e4ec6',
  '#00a2c7',
  '#ca7c00',
  '#6e56cf',
  '#29a383',
  '#dc3e42',
  '#7c66dc',
] as const;

export function colorAt(index: number): string {
  return runPalette[index % runPalette.length] ?? '#5b5bd6';
}

export function colorForId(id: string): string {
  let hash = 0;
  for (let i = 0; i < id.length; i++) hash = (hash * 31 + id.charCodeAt(i)) >>> 0;
  return colorAt(hash);
}
