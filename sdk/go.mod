module github.com/kubernaut/kubernaut/sdk

go 1.26.4

require (
	github.com/google/go-cmp v0.7.0
	go.yaml.in/yaml/v2 v2.4.2
	sigs.k8s.io/yaml v1.6.0
)
