//! Hosted backends (IonQ, Amazon Braket, IBM Quantum) built from command-line options; shared
//! by `qattnc submit --provider` and the `--backend` option of `sample` and `eval-noise`.

use super::Failure;
use crate::backend::http::{HttpSettings, Logger};
use crate::backend::{
    Backend, BackendError, BraketBackend, BraketConfig, IbmBackend, IbmConfig, IonqBackend,
    IonqConfig, IonqFormat,
};
use crate::opt::Basis;

/// A hosted provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Remote {
    Ionq,
    Braket,
    Ibm,
}

/// What the command line says about a hosted backend.
pub(super) struct RemoteOptions<'a> {
    /// A self-hosted endpoint (e.g. `qattnc serve`); each provider has its default.
    pub endpoint: Option<String>,
    /// IonQ backend, Braket device ARN or IBM backend name (required for IBM).
    pub device: Option<String>,
    /// Braket output bucket.
    pub s3_bucket: Option<String>,
    /// Braket and IonQ: the device's target file, to compile programs for.
    pub target: Option<&'a std::path::Path>,
    /// IBM device basis (`ibm-cz` or `ibm-cx`).
    pub ibm_basis: &'a str,
    /// IonQ program format.
    pub ionq_format: IonqFormat,
    /// Timeouts and retries.
    pub settings: HttpSettings,
    /// The option that chose the provider (`--backend`, `--provider`), for messages.
    pub flag: &'static str,
}

/// A backend error as a command failure: bad configuration or job is bad input.
pub(super) fn failure(error: BackendError) -> Failure {
    match error {
        BackendError::Config(_) | BackendError::BadJob(_) => Failure::BadInput(error.to_string()),
        other => Failure::Runtime(other.to_string()),
    }
}

/// The backend for `remote` configured from the environment and `options`.
pub(super) fn remote_backend(
    remote: Remote,
    options: RemoteOptions,
    log: Option<Logger>,
) -> Result<Box<dyn Backend>, Failure> {
    let RemoteOptions {
        endpoint,
        device,
        s3_bucket,
        target,
        ibm_basis,
        ionq_format,
        settings,
        flag,
    } = options;
    Ok(match remote {
        _ if target.is_some() && remote == Remote::Ibm => {
            return Err(Failure::BadInput(
                "--target applies to Braket and IonQ; IBM reads its device's own configuration"
                    .into(),
            ));
        }
        Remote::Ionq => {
            let mut config = IonqConfig::from_env(endpoint).map_err(failure)?;
            config.format = ionq_format;
            config.backend = device.unwrap_or(config.backend);
            config.settings = settings;
            match target {
                None => Box::new(IonqBackend::new(config, log).map_err(failure)?),
                Some(path) => {
                    let target = super::target::load_target(path)?;
                    if target.native != Some(crate::target::NativeSet::Ionq) {
                        return Err(Failure::BadInput(format!(
                            "{}: IonQ runs a target with native gates gpi, gpi2 and ms",
                            path.display()
                        )));
                    }
                    Box::new(IonqBackend::with_target(config, target, log).map_err(failure)?)
                }
            }
        }
        Remote::Braket => {
            let mut config = BraketConfig::from_env(endpoint, s3_bucket).map_err(failure)?;
            config.device_arn = device.unwrap_or(config.device_arn);
            config.settings = settings;
            match target {
                None => Box::new(BraketBackend::new(config, log).map_err(failure)?),
                Some(path) => {
                    let target = super::target::load_target(path)?;
                    Box::new(BraketBackend::with_target(config, target, log).map_err(failure)?)
                }
            }
        }
        Remote::Ibm => {
            let device = device.ok_or_else(|| {
                Failure::BadInput(format!("{flag} ibm needs --device (e.g. ibm_torino)"))
            })?;
            let mut config = IbmConfig::from_env(endpoint, device).map_err(failure)?;
            config.basis = ibm_basis.parse::<Basis>().map_err(Failure::BadInput)?;
            config.settings = settings;
            Box::new(IbmBackend::new(config, log).map_err(failure)?)
        }
    })
}
