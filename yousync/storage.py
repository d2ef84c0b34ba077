"""S3 storage whose presigned URLs can name a different, public endpoint.

Inside a compose network the app reaches MinIO as http://minio:9000, but a browser
must be sent to an address it can reach. SigV4 signs the host, so the URL has to be
signed for the public endpoint rather than rewritten afterwards.
"""

from functools import cached_property

import boto3
from storages.backends.s3 import S3Storage
from storages.utils import clean_name


class MediaStorage(S3Storage):
    def __init__(self, **settings):
        self.public_endpoint_url = settings.pop("public_endpoint_url", None)
        super().__init__(**settings)

    @cached_property
    def public_client(self):
        """A client that signs for the endpoint browsers and apps use."""
        if not self.public_endpoint_url:
            return self.connection.meta.client
        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.public_endpoint_url,
            region_name=self.region_name,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            config=self.client_config,
        )

    def url(self, name, parameters=None, expire=None, http_method=None):
        if not self.public_endpoint_url:
            return super().url(name, parameters, expire, http_method)
        params = dict(parameters or {})
        params.update(Bucket=self.bucket_name, Key=self._normalize_name(clean_name(name)))
        return self.public_client.generate_presigned_url(
            "get_object",
            Params=params,
            ExpiresIn=expire or self.querystring_expire,
            HttpMethod=http_method,
        )
