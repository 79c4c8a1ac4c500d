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
fn a_cuda_engine_loads_the_gpu_build_or_says_how_to_install_it() {
    // Nextest runs each test in its own process, so this is the first library this process
    // loads: `--device cuda` must pick the GPU build, never the CPU one.
    let opts = SessionOptions { device: Device::Cuda, threads: 1 };
    let gpu_lib = leader_infer::runtime::gpu_candidates().into_iter().find(|p| p.is_file());
    match leader_infer::Engine::start(&fixture(), opts) {
        Ok(_) => assert!(std::env::var_os("LEADER_EXPECT_CUDA").is_some(), "CUDA started without a GPU?"),
        Err(e) => {
            let msg = e.to_string();
            assert!(msg.starts_with("the CUDA execution provider could not start"), "{msg}");
            match gpu_lib {
                None => assert!(msg.contains("scripts/bootstrap.sh ort-cuda"), "{msg}"),
                // The GPU build is installed (`bootstrap.sh ort-cuda`) but this machine has no GPU.
                Some(_) => assert!(!msg.contains("not enabled in this build"), "the CPU build was loaded: {msg}"),
            }
        }
    }
}

#[test]
fn the_gpu_build_is_looked_for_in_its_own_folder() {
    let c = leader_infer::runtime::gpu_candidates();
    assert!(!c.is_empty());
    assert!(c.iter().all(|p| p.to_string_lossy().contains("onnxruntime-cuda")), "{c:?}");
}

#[test]
fn devices_parse_from_the_command_line_spelling() {
    assert_eq!("cpu".parse::<Device>(), Ok(Device::Cpu));
    assert_eq!("cuda".parse::<Device>(), Ok(Device::Cuda));
    assert!("tpu".parse::<Device>().is_err());
}
