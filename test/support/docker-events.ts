import { hostname } from 'node:os';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';

/**
 * The containers this test process's runs start (labelled with it as their owner), as the
 * engine's events tell them: those created, those destroyed, and once none is left. Other test
 * files start containers of their own at the same time. Without an engine it sees nothing.
 */
export function ownContainers(docker: Docker, dockerUp: boolean) {
  const owner = `io.backflow.owner=${hostname()}/${process.pid}`;
  const live = new Set<string>();
  const created: string[] = [];
  const destroyed: string[] = [];
  let destroyedAll: (() => void) | undefined;
  let events: Readable | undefined;
  const watching = dockerUp
    ? docker
        .getEvents({ filters: { type: ['container'], event: ['create', 'destroy'], label: [owner] } })
        .then((stream) => {
          events = stream as Readable;
          createInterface({ input: events }).on('line', (line) => {
            const event = JSON.parse(line) as { id: string; Action: string };
            if (event.Action === 'create') {
              created.push(event.id);
              live.add(event.id);
            } else {
              destroyed.push(event.id);
              live.delete(event.id);
            }
            if (live.size === 0) destroyedAll?.();
          });
        })
    : Promise.resolve();
  return {
    /** The owner label's filter, for listing this process's containers. */
    owner,
    watching,
    createdIds: () => created,
    destroyedIds: () => destroyed,
    allDestroyed: () =>
      live.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => (destroyedAll = resolve)),
    stop: () => events?.destroy(),
  };
}

/** Whether a Docker engine answers; CI (BACKFLOW_REQUIRE_DOCKER=1) requires one, elsewhere Docker tests are skipped without. */
export async function dockerAnswers(docker: Docker): Promise<{ dockerUp: boolean; requireDocker: boolean }> {
  const dockerUp = await docker.ping().then(
    () => true,
    () => false,
  );
  return { dockerUp, requireDocker: process.env.BACKFLOW_REQUIRE_DOCKER === '1' };
}
