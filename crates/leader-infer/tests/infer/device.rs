use leader_infer::runtime::{Device, SessionOptions};
use leader_infer::{Bundle, InferError, OrtBackend};

use crate::common::*;

#[test]
fn cuda_that_cannot_start_is_an_error_never_a_silent_cpu_run() {
    let bundle = Bundle::open(&fixture()).expect("fixture");
    let opts = SessionOptions { device: Device::Cuda, threads: 1 };
    match OrtBackend::start(&env(), &bundle, opts) {
        // On a machine with the GPU library and a GPU this starts; everywhere else it must say why.
        Ok(_) => assert!(std::env::var_os("LEADER_EXPECT_CUDA").is_some(), "CUDA started without a GPU setup?"),
        Err(e) => {
            assert!(matches!(e, InferError::Device { .. }), "{e}");
            assert!(e.to_string().starts_with("the CUDA execution provider could not start"), "{e}");
        }
    }
}

#[test]
fn devices_parse_from_the_command_line_spelling() {
    assert_eq!("cpu".parse::<Device>(), Ok(Device::Cpu));
    assert_eq!("cuda".parse::<Device>(), Ok(Device::Cuda));
    assert!("tpu".parse::<Device>().is_err());
}
