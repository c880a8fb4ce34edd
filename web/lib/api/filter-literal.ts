/** A LIKE pattern matching `text` anywhere; MLflow's grammar escapes quotes with a backslash. */
export function containsPattern(text: string): string {
  return `'%${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}%'`;
}
