// The demo's data: one book, its details, two reviews and their star ratings.
// Kept in one place so every service (and every test) agrees on it.

export interface BookDetails {
  id: number;
  title: string;
  author: string;
  year: number;
  type: string;
  pages: number;
  publisher: string;
  language: string;
  summary: string;
}

export interface ReviewText {
  reviewer: string;
  text: string;
}

export const BOOKS: ReadonlyMap<number, BookDetails> = new Map([
  [
    0,
    {
      id: 0,
      title: 'The Time Machine',
      author: 'H. G. Wells',
      year: 1895,
      type: 'paperback',
      pages: 118,
      publisher: 'Weft Demo Press',
      language: 'English',
      summary: 'A Victorian inventor travels hundreds of thousands of years forward and finds humanity split in two.',
    },
  ],
]);

export const REVIEWS: ReadonlyMap<number, readonly ReviewText[]> = new Map([
  [
    0,
    [
      { reviewer: 'Ada', text: 'Short, sharp and still unsettling: a trip to the far future that reads like a warning about comfort.' },
      { reviewer: 'Tomas', text: 'The ideas outrun the characters, but the last chapters on the dying Earth stay with you.' },
    ],
  ],
]);

/** Stars out of 5 per reviewer, served by ratings. */
export const RATINGS: ReadonlyMap<number, Readonly<Record<string, number>>> = new Map([[0, { Ada: 5, Tomas: 3 }]]);
