// A client generated from Gatehouse's OpenAPI document by a maintained generator
// (swagger-typescript-api, plain JavaScript output), then used as any script would use it.
// Usage: node admin-client.mjs <origin> <spec.json> <out-dir> <admin-key>
import { execFileSync } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import path from "node:path";

const [origin, spec, outDir, key] = process.argv.slice(2);
const here = path.dirname(fileURLToPath(import.meta.url));
execFileSync(
  process.execPath,
  [path.join(here, "node_modules/swagger-typescript-api/dist/cli.mjs"), "generate",
   "--path", spec, "--output", outDir, "--name", "admin.js", "--js", "--silent"],
  { stdio: ["ignore", "ignore", "inherit"] });
const { Api } = await import(pathToFileURL(path.join(outDir, "admin.js")).href);
const api = new Api({
  baseUrl: origin + "/api/admin/v1",
  securityWorker: (token) => ({ headers: { Authorization: `Bearer ${token}` } }),
});
api.setSecurityData(key);

const out = {};
out.me = (await api.me.whoAmI()).data;
out.created = (await api.users.createUser({ username: "gen", email: "gen@example.com" })).data;
out.group = (await api.groups.createGroup({ name: "generated" })).data;
out.member = (await api.groups.addGroupMember("generated", "gen")).data;
out.users = (await api.users.listUsers({ q: "gen", limit: 10 })).data;
out.key = (await api.apiKeys.createApiKey({ application: "gen-bot", scopes: [] })).data;
await api.apiKeys.revokeApiKey(out.key.id);
try {
  await api.users.getUser("no-such-user");
  out.missing = "found?";
} catch (response) {
  out.missing = { status: response.status, type: response.error && response.error.type };
}
console.log(JSON.stringify(out));
