import { amountLocale, localeOfCountry, localeOfCurrency, parseAmount } from './amounts';

describe('parseAmount: numbers as a locale writes them', () => {
  it.each([
    ['150.000', 'id-ID', undefined, 150000],
    ['150.000,50', 'id-ID', undefined, 150000.5],
    ['1,5', 'id-ID', undefined, 1.5],
    ['1.500', 'id-ID', undefined, 1500],
    ['-150.000', 'id-ID', undefined, -150000],
    ['150000', 'id-ID', undefined, 150000],
    ['Rp 4.880.000', 'id-ID', 'IDR', 4880000],
    ['Rp4.880.000', 'id-ID', 'IDR', 4880000],
    ['IDR 150.000', 'id-ID', 'IDR', 150000],
    [' 150.000 ', 'id-ID', 'IDR', 150000],
    ['1.500', 'en-US', undefined, 1.5],
    ['1,500', 'en-US', undefined, 1500],
    ['$1,234.50', 'en-US', 'USD', 1234.5],
    ['1,23,456', 'hi-IN', undefined, 123456],
    [150000, 'id-ID', 'IDR', 150000],
  ] as const)('%j in %s (%s) is %d', (text, locale, currency, expected) => {
    expect(parseAmount(text, locale, currency)).toBe(expected);
  });

  it.each([
    ['Rp 4.880.000', 'id-ID', undefined, 'a currency symbol where no currency is named'],
    ['n/a', 'id-ID', 'IDR', 'letters'],
    ['12a', 'id-ID', 'IDR', 'trailing letters'],
    ['1.50', 'id-ID', 'IDR', 'a group of two digits'],
    ['1500.5', 'id-ID', 'IDR', 'a decimal point where id-ID groups: never read as 15005'],
    ['150000.50', 'id-ID', 'IDR', 'a decimal point where id-ID groups'],
    ['1e5', 'id-ID', 'IDR', 'an exponent'],
    ['9'.repeat(400), 'en-US', 'USD', 'past what a double holds'],
    ['', 'id-ID', 'IDR', 'nothing'],
    ['150.000', 'zz', 'IDR', 'a locale Intl has no data for'],
    [Infinity, 'id-ID', 'IDR', 'Infinity'],
    [null, 'id-ID', 'IDR', 'null'],
  ] as const)('%j in %s (%s) is not a number: %s', (text, locale, currency, _why) => {
    expect(parseAmount(text, locale, currency)).toBeNull();
  });
});

describe('the locale an amount is read in', () => {
  it('follows the currency, then the country, never the value', () => {
    expect(localeOfCurrency('IDR')).toBe('id-ID');
    expect(localeOfCurrency('MYR')).toBe('ms-MY');
    expect(localeOfCurrency('USD')).toBe('en-US');
    expect(localeOfCurrency('EUR')).toBeNull();
    expect(localeOfCurrency('XOF')).toBeNull();
    expect(localeOfCountry('ID')).toBe('id-ID');
    expect(localeOfCountry('BR')).toBe('pt-BR');
    expect(localeOfCountry('ZZ')).toBeNull();
    expect(localeOfCountry(null)).toBeNull();
    expect(amountLocale('en-US', 'IDR', 'ID', 'en')).toBe('en-US');
    expect(amountLocale(undefined, 'IDR', 'US', 'en')).toBe('id-ID');
    expect(amountLocale(undefined, 'EUR', 'DE', 'en')).toBe('de-DE');
    expect(amountLocale(undefined, 'EUR', null, 'en')).toBe('en');
  });
});

describe('digits after the decimal separator are never grouped', () => {
  it('1.500,25 is not a number in en-IE, 1.500,25 is one in de-DE', () => {
    expect(parseAmount('1.500,25', 'en-IE')).toBeNull();
    expect(parseAmount('1.500,25', 'de-DE')).toBe(1500.25);
  });
});
