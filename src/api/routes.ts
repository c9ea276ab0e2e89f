/**
 * Every endpoint hull serves, in the order of Docker's API reference. An endpoint not listed here
 * answers 404 "page not found", as dockerd does for paths it does not know.
 */
import type { Route } from './router.js';
import { HullError } from '../errors.js';
import { sendJson } from './http.js';
import {
  commitContainer, containerChanges, containerLogs, containerStats, createContainer, exportContainer, getArchive, inspectContainer, killContainer, listContainers,
  pauseContainer, pruneContainers, putArchive, removeContainer, renameContainer, restartContainer, startContainer, stopContainer, topContainer, unpauseContainer, waitContainer,
} from './containers.js';
import { build, pruneBuildCache } from './build.js';
import { updateContainer } from './update.js';
import { attachContainer, createExec, inspectExec, resizeContainer, resizeExec, startExec } from './attach-exec.js';
import { attachWebSocket } from './attach-ws.js';
import { diskUsage, events, info, ping, version } from './system.js';
import { connectNetwork, createNetwork, createVolume, disconnectNetwork, inspectNetwork, inspectVolume, listNetworks, listVolumes, pruneNetworks, pruneVolumes, removeNetwork, removeVolume } from './volumes-networks.js';
import { deleteImage, imageHistory, inspectImage, listImages, pruneImages, tagImage } from './images.js';
import { auth, createImage, distribution, getImages, loadImages, pushImage, searchImages } from './image-transfer.js';

/** Swarm-mode endpoints answer as a dockerd that is not in a swarm (the CLI prints this text). */
const notSwarm = () => {
  throw new HullError('UNAVAILABLE', 'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.');
};
const SWARM_PATHS = ['/swarm', '/swarm/init', '/swarm/join', '/swarm/leave', '/swarm/update', '/swarm/unlockkey', '/swarm/unlock', '/services', '/services/create', '/services/{id}',
  '/services/{id}/update', '/services/{id}/logs', '/tasks', '/tasks/{id}', '/tasks/{id}/logs', '/nodes', '/nodes/{id}', '/nodes/{id}/update', '/secrets', '/secrets/create',
  '/secrets/{id}', '/secrets/{id}/update', '/configs', '/configs/create', '/configs/{id}', '/configs/{id}/update'];

function swarmRoutes(): Route[] {
  return SWARM_PATHS.flatMap((pattern) => ['GET', 'POST', 'DELETE'].map((method) => ({ method, pattern, handler: notSwarm })));
}

export const ROUTES: Route[] = [
  { method: 'GET', pattern: '/_ping', handler: ping },
  { method: 'GET', pattern: '/version', handler: version },
  { method: 'GET', pattern: '/info', handler: info },
  { method: 'POST', pattern: '/auth', handler: auth },
  { method: 'GET', pattern: '/events', handler: events },
  { method: 'GET', pattern: '/system/df', handler: diskUsage },

  { method: 'GET', pattern: '/containers/json', handler: listContainers },
  { method: 'POST', pattern: '/containers/create', handler: createContainer },
  { method: 'POST', pattern: '/containers/prune', handler: pruneContainers },
  { method: 'GET', pattern: '/containers/{id}/json', handler: inspectContainer },
  { method: 'GET', pattern: '/containers/{id}/top', handler: topContainer },
  { method: 'GET', pattern: '/containers/{id}/logs', handler: containerLogs },
  { method: 'GET', pattern: '/containers/{id}/changes', handler: containerChanges },
  { method: 'GET', pattern: '/containers/{id}/export', handler: exportContainer },
  { method: 'GET', pattern: '/containers/{id}/stats', handler: containerStats },
  { method: 'POST', pattern: '/containers/{id}/resize', handler: resizeContainer },
  { method: 'POST', pattern: '/containers/{id}/start', handler: startContainer },
  { method: 'POST', pattern: '/containers/{id}/stop', handler: stopContainer },
  { method: 'POST', pattern: '/containers/{id}/restart', handler: restartContainer },
  { method: 'POST', pattern: '/containers/{id}/kill', handler: killContainer },
  { method: 'POST', pattern: '/containers/{id}/rename', handler: renameContainer },
  { method: 'POST', pattern: '/containers/{id}/update', handler: updateContainer },
  { method: 'POST', pattern: '/containers/{id}/pause', handler: pauseContainer },
  { method: 'POST', pattern: '/containers/{id}/unpause', handler: unpauseContainer },
  { method: 'POST', pattern: '/containers/{id}/attach', handler: attachContainer, hijackable: true },
  { method: 'GET', pattern: '/containers/{id}/attach/ws', handler: attachWebSocket, hijackable: true },
  { method: 'POST', pattern: '/containers/{id}/wait', handler: waitContainer },
  { method: 'DELETE', pattern: '/containers/{id}', handler: removeContainer },
  { method: 'GET', pattern: '/containers/{id}/archive', handler: getArchive },
  { method: 'PUT', pattern: '/containers/{id}/archive', handler: putArchive },
  { method: 'POST', pattern: '/containers/{id}/exec', handler: createExec },
  { method: 'POST', pattern: '/exec/{id}/start', handler: startExec, hijackable: true },
  { method: 'POST', pattern: '/exec/{id}/resize', handler: resizeExec },
  { method: 'GET', pattern: '/exec/{id}/json', handler: inspectExec },
  { method: 'POST', pattern: '/commit', handler: commitContainer },
  { method: 'POST', pattern: '/build', handler: build },

  { method: 'GET', pattern: '/images/json', handler: listImages },
  { method: 'POST', pattern: '/images/create', handler: createImage },
  { method: 'POST', pattern: '/images/load', handler: loadImages },
  { method: 'GET', pattern: '/images/get', handler: getImages },
  { method: 'GET', pattern: '/images/search', handler: searchImages },
  { method: 'POST', pattern: '/images/prune', handler: pruneImages },
  { method: 'POST', pattern: '/build/prune', handler: pruneBuildCache },
  { method: 'GET', pattern: '/images/{name*}/json', handler: inspectImage },
  { method: 'GET', pattern: '/images/{name*}/history', handler: imageHistory },
  { method: 'GET', pattern: '/images/{name*}/get', handler: getImages },
  { method: 'POST', pattern: '/images/{name*}/push', handler: pushImage },
  { method: 'POST', pattern: '/images/{name*}/tag', handler: tagImage },
  { method: 'DELETE', pattern: '/images/{name*}', handler: deleteImage },
  { method: 'GET', pattern: '/distribution/{name*}/json', handler: distribution },

  { method: 'GET', pattern: '/volumes', handler: listVolumes },
  { method: 'POST', pattern: '/volumes/create', handler: createVolume },
  { method: 'POST', pattern: '/volumes/prune', handler: pruneVolumes },
  { method: 'GET', pattern: '/volumes/{name}', handler: inspectVolume },
  { method: 'DELETE', pattern: '/volumes/{name}', handler: removeVolume },

  { method: 'GET', pattern: '/networks', handler: listNetworks },
  { method: 'POST', pattern: '/networks/create', handler: createNetwork },
  { method: 'POST', pattern: '/networks/prune', handler: pruneNetworks },
  { method: 'GET', pattern: '/networks/{id}', handler: inspectNetwork },
  { method: 'DELETE', pattern: '/networks/{id}', handler: removeNetwork },
  { method: 'POST', pattern: '/networks/{id}/connect', handler: connectNetwork },
  { method: 'POST', pattern: '/networks/{id}/disconnect', handler: disconnectNetwork },

  { method: 'GET', pattern: '/plugins', handler: ({ res }) => sendJson(res, 200, []) },
  ...swarmRoutes(),
];
