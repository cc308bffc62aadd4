// Package devcluster runs a real single-node Kubernetes cluster on this machine: etcd,
// kube-apiserver (Node,RBAC), kube-controller-manager, kube-scheduler, kubelet, kube-proxy,
// containerd 2 with Debian's runc and CNI plugins, a disk-backed OCI registry on 127.0.0.1 and a
// hostPath provisioner behind the default StorageClass. Every binary is built from pinned Go
// modules by `make cluster-tools`; nothing is downloaded at run time except Debian packages.
//
// Up and Down are usable from a test's TestMain; Command is the `kubernaut dev cluster` CLI.
// All state (PKI, kubeconfigs, etcd, images, volumes, logs, pid files) lives in one state
// directory, and Down removes exactly what Up made: the processes recorded in its pid files,
// the mounts below the state directory, the cni0 bridge, the KUBE-/CNI- iptables chains and the
// kubepods cgroups. The facts behind the configuration are in reference/local-cluster.md.
package devcluster
