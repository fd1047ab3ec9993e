import type Docker from 'dockerode';

/**
 * A Docker client for the engine DOCKER_HOST names, else the local socket. dockerode (with the
 * gRPC stack it loads) costs about 0.25 s of CPU to load, so it is loaded only when a run
 * really talks to Docker, never by a run whose connectors are all processes.
 */
export async function dockerClient(options?: Docker.DockerOptions): Promise<Docker> {
  const { default: DockerClient } = await import('dockerode');
  return new DockerClient(options);
}
