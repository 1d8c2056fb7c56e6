import { SELF_DRAIN_CHECK_HEADER } from '../../lib';
import { READY_FUNCTION } from '../../lib/postgres/render-schema-migrations';
import { ApiServer, HAPROXY_CHECK_HEADER, READINESS_QUERY } from '../../lib/node-runtime';

// The self-drain ends once HAProxy has seen the 404. Only HAProxy's check may count: when the container's own
// Docker healthcheck (or any other GET of the health path) came first, the API stopped listening while HAProxy
// still had it UP, and requests sent there waited out `timeout connect`.
describe("the self-drain counts only HAProxy's check", () => {
  let api: ApiServer;
  let url: string;

  beforeEach(async () => {
    // No database: the health path's 404 while draining needs none, and the pool tolerates a dead one.
    api = new ApiServer({
      host: '127.0.0.1',
      port: 0,
      serverName: 'server1',
      version: 'v1',
      databaseUrl: 'postgres://nobody@127.0.0.1:1/none',
      healthPath: '/healthz',
      drainTimeoutMs: 1500,
      drainQuietMs: 100,
      shutdownGraceMs: 100,
    });
    url = `http://127.0.0.1:${await api.listen()}/healthz`;
  });

  afterEach(async () => {
    await api.close();
  });

  test('the readiness the health path asks for is the function the bootstrap defines', () => {
    expect(READINESS_QUERY).toBe(`SELECT ${READY_FUNCTION} AS ready`);
  });

  test('the header the renderer sends is the one the API looks for', () => {
    expect(HAPROXY_CHECK_HEADER.name).toBe(SELF_DRAIN_CHECK_HEADER.name.toLowerCase());
    expect(HAPROXY_CHECK_HEADER.value).toBe(SELF_DRAIN_CHECK_HEADER.value);
  });

  test("a GET without the header gets the 404 but does not end the drain; HAProxy's check does", async () => {
    const drained = api.drainAndClose();
    const plain = await fetch(url);
    expect(plain.status).toBe(404);
    const checked = await fetch(url, { headers: { [SELF_DRAIN_CHECK_HEADER.name]: SELF_DRAIN_CHECK_HEADER.value } });
    expect(checked.status).toBe(404);
    const report = await drained;
    expect(report.checkSeenAfterMs).toBeDefined();
    // Ended by the quiet period after HAProxy's check, well before the 1500 ms bound.
    expect(report.drainedAfterMs).toBeLessThan(1200);
  });

  test('with only header-less GETs, the drain runs to its bound and reports that no check came', async () => {
    const drained = api.drainAndClose();
    const deadline = Date.now() + 1000;
    while (Date.now() < deadline) {
      expect((await fetch(url)).status).toBe(404);
      await new Promise((r) => setTimeout(r, 100));
    }
    const report = await drained;
    expect(report.checkSeenAfterMs).toBeUndefined();
    expect(report.drainedAfterMs).toBeGreaterThanOrEqual(1500);
  });
});
