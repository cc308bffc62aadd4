package imagecontract

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/kubernaut/kubernaut/internal/registry"
	"github.com/kubernaut/kubernaut/internal/registry/registrytest"
)

// randomLayer is a gzip layer holding one file of size incompressible bytes. The tar is
// generated on every open instead of held in memory, to keep the benchmark's footprint near the
// registry's own copy of the image.
func randomLayer(b *testing.B, seed uint64, size int64) v1.Layer {
	b.Helper()
	open := func() (io.ReadCloser, error) {
		pr, pw := io.Pipe()
		go func() {
			tw := tar.NewWriter(pw)
			h := &tar.Header{Typeflag: tar.TypeReg, Name: fmt.Sprintf("data/blob-%d", seed), Mode: 0o644, Size: size}
			err := tw.WriteHeader(h)
			if err == nil {
				_, err = io.CopyN(tw, rand.NewChaCha8([32]byte{byte(seed)}), size)
			}
			if err == nil {
				err = tw.Close()
			}
			pw.CloseWithError(err)
		}()
		return pr, nil
	}
	l, err := tarball.LayerFromOpener(open, tarball.WithMediaType(types.OCILayer),
		tarball.WithCompressionLevel(gzip.BestSpeed), tarball.WithCompressedCaching)
	if err != nil {
		b.Fatal(err)
	}
	return l
}

// BenchmarkLoadContract loads the contract of a ~100 MiB image (three lower layers of random
// data, the contract alone in a small top layer) from a registry on 127.0.0.1. It reports what
// crossed the wire per load: the goal is the manifest and the top layer, never a lower layer.
//
//	go test -run '^$' -bench LoadContract -benchtime 20x ./internal/imagecontract/
func BenchmarkLoadContract(b *testing.B) {
	reg := registrytest.Start(b, registrytest.WithDiskBlobs(b.TempDir()))
	layers := []v1.Layer{randomLayer(b, 1, 34<<20), randomLayer(b, 2, 33<<20), randomLayer(b, 3, 33<<20),
		gzipLayer(b, file("action-contract.yaml", contractYAML("scale", "v1.0.0")))}
	img := imageOf(b, layers...)
	ref := push(b, reg.Host, "bench/big", img)
	var imageBytes int64
	for _, l := range layers {
		size, _ := l.Size()
		imageBytes += size
	}
	topSize, _ := layers[len(layers)-1].Size()
	b.Logf("image %s: %.1f MiB in %d layers; top layer %d bytes", ref.DigestStr(), float64(imageBytes)/(1<<20), len(layers), topSize)

	report := func(b *testing.B, counter *registry.CountingTransport) {
		s := counter.Stats()
		n := float64(b.N)
		b.ReportMetric(float64(s.Total().Bytes)/n, "bytes/op")
		b.ReportMetric(float64(s.Total().Requests)/n, "requests/op")
		b.ReportMetric(float64(s.ByKind[registry.KindBlob].Bytes)/n, "blob-bytes/op")
		b.ReportMetric(float64(imageBytes)/(1<<20), "image-MiB")
	}

	b.Run("cold", func(b *testing.B) {
		counter := registry.NewCountingTransport(nil)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := NewLoader(Options{Transport: counter}).Load(context.Background(), ref, ""); err != nil {
				b.Fatal(err)
			}
		}
		report(b, counter)
	})
	b.Run("cached", func(b *testing.B) {
		counter := registry.NewCountingTransport(nil)
		loader := NewLoader(Options{Transport: counter})
		if _, err := loader.Load(context.Background(), ref, ""); err != nil {
			b.Fatal(err)
		}
		counter.Reset()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := loader.Load(context.Background(), ref, ""); err != nil {
				b.Fatal(err)
			}
		}
		report(b, counter)
	})
}
