/** The API server: REST API under /api/v2, auth, OpenAPI document and docs. */
export { hashPassword, passwordProblem, randomPassword, verifyPassword } from './passwords.js';
export { hasRole, isRole, ROLE_DESCRIPTIONS, ROLES, type Role } from './roles.js';
export { type Api, type ApiDeps, buildApiServer } from './server.js';
