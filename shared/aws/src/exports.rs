//! The audit exports' bucket (ADR 0016): a file written as a multipart
//! upload, part by part, so the job's memory stays at one part whatever the
//! file's size; and a presigned link that hands a file out for a few
//! minutes.

use crate::failure;
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use cp_domain::Error;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct ExportBucket {
    s3: aws_sdk_s3::Client,
    bucket: String,
}

/// A file being written; [`Upload::finish`] makes it appear, dropping it
/// unfinished leaves parts behind until [`Upload::abort`] (or the bucket's
/// lifecycle rule) removes them.
#[derive(Debug)]
pub struct Upload<'a> {
    bucket: &'a ExportBucket,
    key: String,
    id: String,
    parts: Vec<CompletedPart>,
}

impl ExportBucket {
    pub fn new(s3: aws_sdk_s3::Client, bucket: impl Into<String>) -> Self {
        Self {
            s3,
            bucket: bucket.into(),
        }
    }

    /// Starts writing `key` as `content_type`.
    pub async fn upload(&self, key: &str, content_type: &str) -> Result<Upload<'_>, Error> {
        let started = self
            .s3
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .send()
            .await
            .map_err(|e| failure("CreateMultipartUpload", &e))?;
        Ok(Upload {
            bucket: self,
            key: key.to_owned(),
            id: started.upload_id().ok_or(Error::Internal)?.to_owned(),
            parts: Vec::new(),
        })
    }

    /// A link that downloads `key` for `lifetime`, named `filename`.
    pub async fn link(
        &self,
        key: &str,
        filename: &str,
        content_type: &str,
        lifetime: Duration,
    ) -> Result<String, Error> {
        let config = PresigningConfig::expires_in(lifetime).map_err(|e| {
            tracing::error!(error = %e, "presigning configuration refused");
            Error::Internal
        })?;
        let presigned = self
            .s3
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .response_content_type(content_type)
            .response_content_disposition(format!("attachment; filename=\"{filename}\""))
            .presigned(config)
            .await
            .map_err(|e| failure("PresignGetObject", &e))?;
        Ok(presigned.uri().to_owned())
    }
}

impl Upload<'_> {
    /// Writes the next part (every part but the last at least 5 MiB).
    pub async fn part(&mut self, bytes: Vec<u8>) -> Result<(), Error> {
        let number = i32::try_from(self.parts.len() + 1).map_err(|_| {
            tracing::error!("an upload past S3's part numbers");
            Error::Internal
        })?;
        let part = self
            .bucket
            .s3
            .upload_part()
            .bucket(&self.bucket.bucket)
            .key(&self.key)
            .upload_id(&self.id)
            .part_number(number)
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(|e| failure("UploadPart", &e))?;
        self.parts.push(
            CompletedPart::builder()
                .part_number(number)
                .set_e_tag(part.e_tag().map(str::to_owned))
                .build(),
        );
        Ok(())
    }

    /// Makes the file of the parts written appear under its key.
    pub async fn finish(self) -> Result<(), Error> {
        self.bucket
            .s3
            .complete_multipart_upload()
            .bucket(&self.bucket.bucket)
            .key(&self.key)
            .upload_id(&self.id)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(self.parts))
                    .build(),
            )
            .send()
            .await
            .map_err(|e| failure("CompleteMultipartUpload", &e))?;
        Ok(())
    }

    /// Removes the parts of an upload that will not finish.
    pub async fn abort(self) {
        if let Err(e) = self
            .bucket
            .s3
            .abort_multipart_upload()
            .bucket(&self.bucket.bucket)
            .key(&self.key)
            .upload_id(&self.id)
            .send()
            .await
        {
            failure("AbortMultipartUpload", &e);
        }
    }
}
