package ocitrust

/*
#include <stdlib.h>
#include <string.h>
#include "ocitrust.h"
*/
import "C"

import (
	"fmt"
	"time"
	"unsafe"
)

// RegistryOptions says how to reach registries, for verifying (WithRegistryOptions) and signing
// (SignOptions.Registry). The zero value is the strict default: TLS verified against the system's
// roots (loopback registries over plain HTTP, as cosign does), credentials from Docker's
// configuration, signatures in the image's repository, 60 seconds per request.
type RegistryOptions struct {
	// AllowInsecure accepts any TLS certificate and falls back to plain HTTP when a registry does not
	// speak TLS (--allow-insecure-registry). INSECURE; verdicts of registry images record it.
	AllowInsecure bool
	// Username and Password are used for every registry instead of Docker's configuration
	// (config.json and credential helpers) when Username is not empty.
	Username string
	Password string
	// DockerConfigDir is where config.json is read from instead of $DOCKER_CONFIG or ~/.docker.
	DockerConfigDir string
	// SignatureRepository ("registry/path") holds signatures instead of the image's own
	// repository, as COSIGN_REPOSITORY does.
	SignatureRepository string
	// CAFile is a PEM file of the CA certificates that alone verify registries' TLS certificates
	// (cosign's --registry-cacert). With it, loopback registries are reached over TLS too.
	CAFile string
	// ClientCertFile and ClientKeyFile are PEM files of a client certificate (with its chain) and
	// its key, presented to registries that demand mutual TLS (cosign's --registry-client-cert and
	// --registry-client-key). Both or neither.
	ClientCertFile string
	ClientKeyFile  string
	// Timeout bounds one whole verification or signing, every registry request together; 0 means
	// 3 minutes, as cosign's --timeout. A Verify context's deadline shortens it for that call.
	Timeout time.Duration
}

// WithRegistryOptions reaches registries as o says.
func WithRegistryOptions(o RegistryOptions) Option {
	return func(v *C.ocitrust_verifier) error {
		return o.withC(func(c *C.ocitrust_registry_options) error {
			var cerr *C.ocitrust_error
			return takeError(C.ocitrust_verifier_set_registry_options(v, c, &cerr), cerr)
		})
	}
}

// withC runs f with the C form of o, freed afterwards; the C side copies what it keeps.
func (o RegistryOptions) withC(f func(*C.ocitrust_registry_options) error) error {
	var c *C.ocitrust_registry_options
	if err := takeError(C.ocitrust_registry_options_new(&c), nil); err != nil {
		return err
	}
	defer C.ocitrust_registry_options_free(&c)
	if err := o.apply(c); err != nil {
		return err
	}
	return f(c)
}

func (o RegistryOptions) apply(c *C.ocitrust_registry_options) error {
	var cerr *C.ocitrust_error
	if o.AllowInsecure {
		if err := takeError(C.ocitrust_registry_options_set_allow_insecure(c, true, &cerr), cerr); err != nil {
			return err
		}
	}
	if o.Username != "" {
		if err := setCredentials(c, o.Username, o.Password); err != nil {
			return err
		}
	}
	strings := []struct {
		value, name string
		set         func(*C.ocitrust_registry_options, *C.char, **C.ocitrust_error) C.ocitrust_result
	}{
		{o.DockerConfigDir, "docker config dir", func(c *C.ocitrust_registry_options, s *C.char, e **C.ocitrust_error) C.ocitrust_result {
			return C.ocitrust_registry_options_set_docker_config_dir(c, s, e)
		}},
		{o.SignatureRepository, "signature repository", func(c *C.ocitrust_registry_options, s *C.char, e **C.ocitrust_error) C.ocitrust_result {
			return C.ocitrust_registry_options_set_signature_repository(c, s, e)
		}},
		{o.CAFile, "CA file", func(c *C.ocitrust_registry_options, s *C.char, e **C.ocitrust_error) C.ocitrust_result {
			return C.ocitrust_registry_options_set_ca_file(c, s, e)
		}},
	}
	for _, field := range strings {
		if field.value == "" {
			continue
		}
		cvalue, err := cString(field.value, field.name)
		if err != nil {
			return err
		}
		rc := field.set(c, cvalue, &cerr)
		C.free(unsafe.Pointer(cvalue))
		if err := takeError(rc, cerr); err != nil {
			return err
		}
	}
	if o.ClientCertFile != "" || o.ClientKeyFile != "" {
		if err := setClientCertificate(c, o.ClientCertFile, o.ClientKeyFile); err != nil {
			return err
		}
	}
	if o.Timeout < 0 {
		return &Error{Code: CodeInvalidArgument, Message: fmt.Sprintf("registry timeout %v is negative", o.Timeout)}
	}
	if o.Timeout > 0 {
		ms := (o.Timeout + time.Millisecond - 1) / time.Millisecond
		return takeError(C.ocitrust_registry_options_set_timeout_ms(c, C.uint64_t(ms), &cerr), cerr)
	}
	return nil
}

// setCredentials hands username and password to c, wiping the C copy of the password afterwards.
func setCredentials(c *C.ocitrust_registry_options, username, password string) error {
	cuser, err := cString(username, "username")
	if err != nil {
		return err
	}
	defer C.free(unsafe.Pointer(cuser))
	cpass, err := cString(password, "password")
	if err != nil {
		return err
	}
	defer func() {
		C.memset(unsafe.Pointer(cpass), 0, C.size_t(len(password)))
		C.free(unsafe.Pointer(cpass))
	}()
	var cerr *C.ocitrust_error
	return takeError(C.ocitrust_registry_options_set_credentials(c, cuser, cpass, &cerr), cerr)
}

// setClientCertificate hands the client certificate and key files to c; both must be named.
func setClientCertificate(c *C.ocitrust_registry_options, certFile, keyFile string) error {
	if certFile == "" || keyFile == "" {
		return &Error{Code: CodeInvalidArgument, Message: "ClientCertFile and ClientKeyFile go together: give both or neither"}
	}
	ccert, err := cString(certFile, "client certificate file")
	if err != nil {
		return err
	}
	defer C.free(unsafe.Pointer(ccert))
	ckey, err := cString(keyFile, "client key file")
	if err != nil {
		return err
	}
	defer C.free(unsafe.Pointer(ckey))
	var cerr *C.ocitrust_error
	return takeError(C.ocitrust_registry_options_set_client_certificate(c, ccert, ckey, &cerr), cerr)
}
