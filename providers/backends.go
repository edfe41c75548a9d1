package providers

// The rclone backends strata compiles in. Add a blank import here to make
// another kind of destination available.
import (
	_ "github.com/rclone/rclone/backend/crypt" // rclone crypt, for `encrypt`
	_ "github.com/rclone/rclone/backend/local" // local paths
	_ "github.com/rclone/rclone/backend/s3"    // S3 and compatibles (Minio, …)
	_ "github.com/rclone/rclone/backend/sftp"  // SFTP
)
