/** Stable codes of the links between the nodes of a cluster. */
export const ClusterLinkErrorCode = {
  /** --cluster-listen / --cluster-advertise are missing a piece or make no sense together. */
  Settings: 'ERR_CLUSTER_LINK_SETTINGS',
  /** The node at an advertised address is not the node presence named (it restarted elsewhere). */
  WrongPeer: 'ERR_CLUSTER_LINK_WRONG_PEER',
  /** The node holding the device could not be reached over its link. */
  Unreachable: 'ERR_CLUSTER_LINK_UNREACHABLE',
  /** A peer's answer to a question over the link (a device's streams) made no sense. */
  BadAnswer: 'ERR_CLUSTER_LINK_BAD_ANSWER',
} as const;
