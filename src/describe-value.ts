/** A bad value as an error message shows it: JSON, cut to maxLength characters. */
export function describeValue(value: unknown, maxLength = 80): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  const text = JSON.stringify(value) ?? typeof value;
  return text.length > maxLength ? `${text.slice(0, maxLength - 3)}...` : text;
}
