/** GitHub's default and largest page sizes. */
const DEFAULT_PER_PAGE = 30;
const MAX_PER_PAGE = 100;

export interface Page<T> {
  items: T[];
  /** The `Link` header, when there is more than one page. */
  link?: string;
}

/** Cuts one page out of `items` and links the others like GitHub (`rel="next"`, `"last"`, `"first"`, `"prev"`). */
export function paginate<T>(items: T[], query: Record<string, unknown>, requestUrl: URL): Page<T> {
  const perPage = Math.min(Math.max(Number(query.per_page ?? DEFAULT_PER_PAGE), 1), MAX_PER_PAGE);
  const page = Math.max(Number(query.page ?? 1), 1);
  const lastPage = Math.max(Math.ceil(items.length / perPage), 1);
  const pageItems = items.slice((page - 1) * perPage, page * perPage);
  if (lastPage === 1) return { items: pageItems };
  const href = (n: number) => {
    const url = new URL(requestUrl);
    url.searchParams.set('page', String(n));
    return `<${url.href}>`;
  };
  const links = [
    ...(page < lastPage ? [`${href(page + 1)}; rel="next"`, `${href(lastPage)}; rel="last"`] : []),
    ...(page > 1 ? [`${href(1)}; rel="first"`, `${href(page - 1)}; rel="prev"`] : []),
  ];
  return { items: pageItems, link: links.length > 0 ? links.join(', ') : undefined };
}
