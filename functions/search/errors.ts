/** Error codes of the search grammar shared by runs, experiments and models. */
export type SearchErrorCode = 'search.invalid_filter' | 'search.invalid_order_by' | 'search.invalid_page_token';
