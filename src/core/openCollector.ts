import { LocalCollector } from './linux/localCollector';
import type { Collector } from './model';
import { LOCAL_HOST_ID } from './model';
import { MACOS_TOOLS, NetstatCollector, WINDOWS_TOOLS } from './platforms/localNetstat';
import { parseHostString, type SshTarget } from './ssh/hostString';
import { SshCollector } from './ssh/sshCollector';
import type { SshOptions } from './ssh/sshCommand';

export interface OpenCollectorOptions {
  /** This machine's platform (`process.platform`); tests inject another. */
  platform?: NodeJS.Platform;
  /** How to run ssh for a remote host. */
  ssh?: SshOptions;
  /** Hands out remote collectors instead of a new one per call (the editor keeps sessions warm). */
  remote?: (target: SshTarget) => Collector;
}

/**
 * The one place that picks a collector: for {@link LOCAL_HOST_ID} this machine's, by platform
 * (Linux /proc and sock_diag, macOS `netstat -anv`, Windows `netstat -ano`; elsewhere a collector
 * that says the platform is not supported), for any other id an SSH host's. Throws
 * InvalidHostError for an id that cannot be an SSH destination. Nothing is read yet.
 */
export function openCollector(hostId: string, options: OpenCollectorOptions = {}): Collector {
  if (hostId === LOCAL_HOST_ID) return localCollector(options.platform ?? process.platform);
  const target = parseHostString(hostId);
  return options.remote ? options.remote(target) : new SshCollector(target, options.ssh);
}

function localCollector(platform: NodeJS.Platform): Collector {
  switch (platform) {
    case 'darwin':
      return new NetstatCollector(MACOS_TOOLS);
    case 'win32':
      return new NetstatCollector(WINDOWS_TOOLS);
    default:
      return new LocalCollector({ platform });
  }
}
