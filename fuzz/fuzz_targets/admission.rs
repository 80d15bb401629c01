//! AdmissionReviews as the API server might send them, or worse: the reader, the images found in
//! every kind of workload (each with its pointer, normalised), and the response written for them;
//! and the same bytes as the query string carrying the request's timeout.
//! Arbitrary bytes never panic, and every image found is a valid reference.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ocitrust_core::admission::{read_review, request_timeout, review_response, workload_images, AdmissionAnswer, TIMEOUT_MAX};
use ocitrust_core::{Digest, Reference};

fuzz_target!(|data: &[u8]| {
    if let Ok(query) = std::str::from_utf8(data) {
        if let Ok(timeout) = request_timeout(Some(query)) {
            assert!(!timeout.is_zero() && timeout <= TIMEOUT_MAX, "{query:?}");
        }
    }
    let Ok(request) = read_review(data) else {
        return;
    };
    let Ok(images) = workload_images(&request) else {
        return;
    };
    for image in &images {
        assert!(Reference::parse(&image.normalised).is_ok(), "{image:?}");
        assert!(image.pointer.starts_with("/spec/"), "{image:?}");
    }
    let digest = Digest::sha256(data);
    let answer = AdmissionAnswer {
        allowed: true,
        denials: Vec::new(),
        warnings: images.iter().map(|i| i.given.clone()).collect(),
        pins: images.into_iter().map(|i| (i, digest.clone())).collect(),
    };
    let response = review_response(&request.uid, &answer);
    assert!(serde_json::from_slice::<serde_json::Value>(&response).is_ok());
});
