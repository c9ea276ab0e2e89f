/**
 * Labels `kube play` puts on what it makes, so that `kube down` removes exactly that (and never
 * a same-named container or volume someone else made) and `kube generate` reads pods back.
 */
export const LABEL = {
  /** The pod a container belongs to (its Kubernetes pod name). */
  pod: 'io.hull.kube.pod',
  /** `Deployment/web`: the object the pod comes from. */
  owner: 'io.hull.kube.owner',
  /** The container's Kubernetes name (`web`). */
  container: 'io.hull.kube.container',
  /** "init" for an init container. */
  role: 'io.hull.kube.role',
  /** The pod's labels and annotations as JSON (image labels would blur plain container labels). */
  podLabels: 'io.hull.kube.labels',
  podAnnotations: 'io.hull.kube.annotations',
  /** The container's restartPolicy as Kubernetes spells it. */
  restartPolicy: 'io.hull.kube.restart-policy',
  /** The pod's published ports as JSON (containerPort, hostPort, protocol). */
  ports: 'io.hull.kube.ports',
  /** On volumes: the kind of volume (pvc, emptyDir, configMap, secret). */
  volume: 'io.hull.kube.volume',
} as const;
