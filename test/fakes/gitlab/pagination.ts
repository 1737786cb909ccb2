/**
 * GitLab's offset pagination (https://docs.gitlab.com/api/rest/#offset-based-pagination): 20 items by
 * default, at most 100 (larger `per_page` values are capped, not refused), `x-*` headers and a Link
 * header with first/prev/next/last.
 */
const DEFAULT_PER_PAGE = 20;
const MAX_PER_PAGE = 100;

export interface Page<T> {
  items: T[];
  headers: Record<string, string>;
}

export function paginate<T>(
  items: T[],
  query: { page?: number; per_page?: number },
  requestUrl: URL,
): Page<T> {
  const perPage = Math.min(query.per_page ?? DEFAULT_PER_PAGE, MAX_PER_PAGE);
  const page = query.page ?? 1;
  const totalPages = Math.max(Math.ceil(items.length / perPage), 1);
  const href = (n: number) => {
    const url = new URL(requestUrl);
    url.searchParams.set('page', String(n));
    url.searchParams.set('per_page', String(perPage));
    return `<${url.href}>`;
  };
  const links = [
    ...(page > 1 ? [`${href(page - 1)}; rel="prev"`] : []),
    ...(page < totalPages ? [`${href(page + 1)}; rel="next"`] : []),
    `${href(1)}; rel="first"`,
    `${href(totalPages)}; rel="last"`,
  ];
  return {
    items: items.slice((page - 1) * perPage, page * perPage),
    headers: {
      link: links.join(', '),
      'x-page': String(page),
      'x-per-page': String(perPage),
      'x-total': String(items.length),
      'x-total-pages': String(totalPages),
      'x-next-page': page < totalPages ? String(page + 1) : '',
      'x-prev-page': page > 1 ? String(page - 1) : '',
    },
  };
}
