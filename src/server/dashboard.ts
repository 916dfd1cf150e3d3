/**
 * The oracle's dashboard at GET / (docs/DASHBOARDS.md): a page built at build time and served from
 * memory with its own content security policy (src/dashboard/files.ts). Every other path keeps the
 * API's headers; the page reads the same public endpoints any client does.
 */
import type { Request, RequestHandler, Router } from 'express';
import { writeDashboardFile, type DashboardFiles } from '../dashboard/files.js';
import { readOnlyRoute } from './cors.js';
import { sendError } from './http-error.js';
import { strictParams } from './query.js';

/** Registers / and /assets/:file on `router`; `files` is null when the dashboard was not built. */
export function mountDashboard(router: Router, files: DashboardFiles | null): void {
  const serve: RequestHandler = (req: Request, res) => {
    strictParams(req.query, []);
    const file = files?.get(req.path);
    if (file === undefined) {
      const message =
        files === null ? 'this oracle has no dashboard: its assets were not built (npm run build)' : 'no such asset';
      sendError(res, 404, 'not_found', message);
      return;
    }
    writeDashboardFile(req, res, file);
  };
  readOnlyRoute(router, '/', serve);
  readOnlyRoute(router, '/assets/:file', serve);
}
