/**
 * --entrypoint as Docker 20.10 applies it: the images tsrun runs (Alpine's) have no
 * entrypoint and /bin/sh as their command. An --entrypoint replaces the image's command as
 * well (Docker's daemon takes the image's Cmd only when the user gives no entrypoint), the
 * command after the image becomes its arguments, and `--entrypoint ""` means no entrypoint.
 */
import type { ContainerRecord } from '../state/containers';
import { TsrunError } from '../sys/error';

const DEFAULT_COMMAND = ['/bin/sh'];

/** What the record keeps: Docker's Config.Entrypoint (absent for none) and Config.Cmd. */
export function entrypointAndCmd(entrypoint: string | undefined, command: string[]): { entrypoint?: string[]; command: string[] } {
  if (entrypoint === undefined) return { command: command.length > 0 ? command : DEFAULT_COMMAND };
  if (entrypoint !== '') return { entrypoint: [entrypoint], command };
  if (command.length === 0) throw new TsrunError('No command specified (--entrypoint "" leaves none: give a command after the image)');
  return { command };
}

/** The process the container runs: its entrypoint, then its command (Docker's Path and Args). */
export function containerArgv(rec: Pick<ContainerRecord, 'command' | 'config'>): string[] {
  return [...(rec.config.entrypoint ?? []), ...rec.command];
}
