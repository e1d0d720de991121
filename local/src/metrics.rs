//! What CloudWatch Logs does with EMF documents, for the local stack: the
//! functions' EMF documents (see `cp_runtime::metrics`) become
//! `PutMetricData` calls to the local CloudWatch, so the health API reads
//! the same kind of numbers it reads in AWS, made by real requests.

use aws_config::SdkConfig;
use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{Dimension, MetricDatum, StandardUnit};
use serde_json::Value;
use tokio::sync::mpsc;

/// The metrics an EMF document declares, as CloudWatch data.
pub fn metric_data(document: &Value) -> Vec<(String, MetricDatum)> {
    let aws = &document["_aws"];
    let time = aws["Timestamp"].as_i64().unwrap_or_default();
    let mut data = Vec::new();
    for directive in aws["CloudWatchMetrics"].as_array().into_iter().flatten() {
        let namespace = directive["Namespace"].as_str().unwrap_or_default();
        for dimension_set in directive["Dimensions"].as_array().into_iter().flatten() {
            let dimensions: Vec<Dimension> = dimension_set
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|name| {
                    let name = name.as_str()?;
                    let value = document[name].as_str()?;
                    Some(Dimension::builder().name(name).value(value).build())
                })
                .collect();
            for metric in directive["Metrics"].as_array().into_iter().flatten() {
                let name = metric["Name"].as_str().unwrap_or_default();
                let Some(value) = document[name].as_f64() else {
                    continue;
                };
                let datum = MetricDatum::builder()
                    .metric_name(name)
                    .set_dimensions(Some(dimensions.clone()))
                    .value(value)
                    .unit(StandardUnit::from(
                        metric["Unit"].as_str().unwrap_or("None"),
                    ))
                    .timestamp(DateTime::from_millis(time))
                    .build();
                data.push((namespace.to_owned(), datum));
            }
        }
    }
    data
}

/// Installs the EMF sink of this process and returns the task that ships
/// the documents to CloudWatch.
pub fn forward(sdk: &SdkConfig) -> impl std::future::Future<Output = ()> + Send + 'static {
    let (sender, mut receiver) = mpsc::unbounded_channel::<Value>();
    cp_runtime::metrics::set_sink(move |document| {
        let _ = sender.send(document);
    });
    let cloudwatch = aws_sdk_cloudwatch::Client::new(sdk);
    async move {
        while let Some(document) = receiver.recv().await {
            for (namespace, datum) in metric_data(&document) {
                if let Err(e) = cloudwatch
                    .put_metric_data()
                    .namespace(namespace)
                    .metric_data(datum)
                    .send()
                    .await
                {
                    tracing::warn!(error = %aws_sdk_cloudwatch::error::DisplayErrorContext(&e), "metric not stored");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fr_sys_005_an_emf_document_becomes_its_metrics() {
        let at = chrono::DateTime::from_timestamp(1_790_000_000, 0).unwrap();
        let document = cp_runtime::metrics::request_document("tenant-get", 500, 42, at);
        let data = metric_data(&document);
        let names: Vec<_> = data
            .iter()
            .map(|(ns, d)| (ns.as_str(), d.metric_name().unwrap(), d.value().unwrap()))
            .collect();
        assert_eq!(
            names,
            [
                ("SaasControlPlane", "Requests", 1.0),
                ("SaasControlPlane", "Errors", 1.0),
                ("SaasControlPlane", "Latency", 42.0)
            ]
        );
        assert_eq!(data[0].1.dimensions()[0].value(), Some("tenant-get"));
    }
}
