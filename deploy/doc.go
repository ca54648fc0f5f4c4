// Package deploy holds the deployment files of gjj (Dockerfile,
// docker-compose.yml, nginx.conf, k8s/, prometheus/, grafana/, backup/) and,
// in its tests, the checks that keep them true to the binary: every YAML and
// JSON file parses, the metrics that alerts and dashboards name are served at
// /metrics, the environment variables set are ones gjj reads, probe paths
// answer, and a backup restores into a database that verifies.
//
// It has no code for other packages to import.
package deploy
