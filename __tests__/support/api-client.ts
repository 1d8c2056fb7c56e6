/** Writes one item through an API (direct or through HAProxy) and returns its id. */
export async function postItem(baseUrl: string, body: string): Promise<string> {
  const res = await fetch(`${baseUrl}/api/v1/items`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ body }),
    signal: AbortSignal.timeout(5000),
  });
  if (res.status !== 201) {
    throw new Error(`POST ${baseUrl}/api/v1/items answered ${res.status}: ${await res.text()}`);
  }
  return ((await res.json()) as { id: string }).id;
}
