// Typed clients for the service's HTTP/JSON listener (Connect protocol), generated from the proto
// (src/gen, `npm run proto:compile`). One token (read or admin) for every call, kept for the tab.
import { Code, ConnectError, createClient, type Interceptor } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-web';
import { ErrorInfoSchema } from './gen/google/rpc/error_details_pb.js';
import { CatalogService } from './gen/marquee/v1/catalog_pb.js';
import { PipelineAdmin } from './gen/marquee/v1/pipeline_pb.js';
import { PlatformService } from './gen/marquee/v1/platforms_pb.js';
import { RatingsService } from './gen/marquee/v1/ratings_pb.js';
import { RecommendService } from './gen/marquee/v1/recommend_pb.js';
import { ReportService } from './gen/marquee/v1/report_pb.js';
import { SearchService } from './gen/marquee/v1/search_pb.js';

const TOKEN_KEY = 'marquee.token';

export function getToken(): string {
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

export function setToken(token: string): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

const withToken: Interceptor = (next) => async (req) => {
  const token = getToken();
  if (token) req.header.set('authorization', `Bearer ${token}`);
  return next(req);
};

const transport = createConnectTransport({ baseUrl: location.origin, interceptors: [withToken] });

export const catalog = createClient(CatalogService, transport);
export const search = createClient(SearchService, transport);
export const platforms = createClient(PlatformService, transport);
export const recommend = createClient(RecommendService, transport);
export const ratings = createClient(RatingsService, transport);
export const report = createClient(ReportService, transport);
export const admin = createClient(PipelineAdmin, transport);

/** What a failed call tells a person: the code, the server's message, its suggestions. */
export interface Problem {
  code: Code;
  codeName: string;
  message: string;
  suggestions: string[];
  /** the call needs a (different) token */
  needsToken: boolean;
}

export function problemOf(err: unknown): Problem {
  const e = ConnectError.from(err);
  const suggestions: string[] = [];
  for (const info of e.findDetails(ErrorInfoSchema)) {
    for (let i = 1; info.metadata[`suggestion_${i}`] !== undefined; i++) suggestions.push(info.metadata[`suggestion_${i}`]);
  }
  return {
    code: e.code,
    codeName: Code[e.code] ?? String(e.code),
    message: e.rawMessage,
    suggestions,
    needsToken: e.code === Code.Unauthenticated || e.code === Code.PermissionDenied,
  };
}

/** Signs the browser in to the queue dashboard (/admin/queues) with the admin token: a cookie. */
export async function openDashboardSession(): Promise<void> {
  const res = await fetch('/admin/session', { method: 'POST', headers: { authorization: `Bearer ${getToken()}` } });
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { message?: string };
    throw new Error(body.message ?? `the service answered ${res.status}`);
  }
}
