/** An address or byte as it appears in messages: upper-case hex, zero-padded to `digits` (8 for a 32-bit address). */
export function hex(value: number, digits = 8): string {
  return value.toString(16).toUpperCase().padStart(digits, '0');
}
