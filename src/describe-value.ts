/**
 * A bad value as an error message shows it: JSON, cut to maxLength code points (never inside a character;
 * the plugin library's describe_value counts the same way).
 */
export function describeValue(value: unknown, maxLength = 80): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  const text = JSON.stringify(value) ?? typeof value;
  const chars = Array.from(text);
  return chars.length > maxLength ? `${chars.slice(0, maxLength - 3).join('')}...` : text;
}
