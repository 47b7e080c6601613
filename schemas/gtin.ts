/** GTIN-8/12/13/14 check digit (GS1 mod 10): weights 3,1,3,… from the right, excluding the check digit. */
export function isValidGtin(gtin: string): boolean {
  if (!/^(\d{8}|\d{12}|\d{13}|\d{14})$/.test(gtin)) return false;
  let sum = 0;
  for (let i = gtin.length - 2, weight = 3; i >= 0; i--, weight = 4 - weight) {
    sum += Number(gtin[i]) * weight;
  }
  return (10 - (sum % 10)) % 10 === Number(gtin[gtin.length - 1]);
}
