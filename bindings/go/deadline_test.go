package ocitrust_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	ocitrust "github.com/ocitrust/ocitrust/bindings/go"
)

func digestOf(b []byte) string { return fmt.Sprintf("sha256:%x", sha256.Sum256(b)) }

// A registry whose image has a signature manifest of 40 layers, and whose blobs each take 300 ms
// to answer: reading them all would take 12 s. A Verify under a context of 1 s returns at its
// deadline, and the C call behind it, which cannot be interrupted, ends there too (Close waits
// for it) instead of going on in the background.
func TestAContextDeadlineBoundsTheVerificationItself(t *testing.T) {
	image := []byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}`)
	imageHex := strings.TrimPrefix(digestOf(image), "sha256:")
	layers := make([]map[string]any, 40)
	for i := range layers {
		layers[i] = map[string]any{
			"mediaType":   "application/vnd.dev.cosign.simplesigning.v1+json",
			"digest":      digestOf([]byte(fmt.Sprintf("payload %d", i))),
			"size":        9,
			"annotations": map[string]string{"dev.cosignproject.cosign/signature": "MEUCIQ=="},
		}
	}
	signatures, err := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.oci.image.manifest.v1+json",
		"config":        map[string]any{"mediaType": "application/vnd.oci.image.config.v1+json", "digest": digestOf([]byte("{}")), "size": 2},
		"layers":        layers,
	})
	if err != nil {
		t.Fatal(err)
	}
	var blobRequests atomic.Int32
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/v2/app/manifests/v1":
			w.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
			w.Write(image)
		case r.URL.Path == "/v2/app/manifests/sha256-"+imageHex+".sig":
			w.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
			w.Write(signatures)
		case strings.HasPrefix(r.URL.Path, "/v2/app/blobs/"):
			blobRequests.Add(1)
			time.Sleep(300 * time.Millisecond)
			http.NotFound(w, r)
		default:
			http.NotFound(w, r)
		}
	}))
	defer server.Close()

	v, err := ocitrust.NewVerifier(ocitrust.WithKey(sampleKey(t)), ocitrust.WithInsecureIgnoreTlog())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	reference := strings.TrimPrefix(server.URL, "http://") + "/app:v1"
	if _, err := v.Verify(ctx, reference); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Verify under a 1 s context: %v, want context.DeadlineExceeded", err)
	}
	v.Close() // waits for the C call in flight
	if n := blobRequests.Load(); n >= 10 {
		t.Fatalf("the abandoned verification went on: %d of 40 blobs were asked for", n)
	}
}
