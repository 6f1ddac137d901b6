import { useEffect, useState } from 'preact/hooks';

/**
 * Hash routes (`#/campaigns/<id>`): the API serves one static page under /console, so the
 * browser never asks the server for a client route.
 */
export function currentPath(): string {
  return location.hash.replace(/^#/, '') || '/campaigns';
}

export function useRoute(): { path: string; segments: string[]; query: URLSearchParams } {
  const [path, setPath] = useState(currentPath());
  useEffect(() => {
    const changed = () => setPath(currentPath());
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  const [pathname, search = ''] = path.split('?');
  return { path: pathname, segments: pathname.split('/').filter(Boolean), query: new URLSearchParams(search) };
}

export function navigate(path: string): void {
  location.hash = path;
}

export function href(path: string): string {
  return `#${path}`;
}
