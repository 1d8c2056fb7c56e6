import { AssetType, TerraformAsset } from 'cdktf';
import { Construct } from 'constructs';
import { Image } from '@cdktf/provider-docker/lib/image';
import { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import { DEFAULT_BASE_IMAGES, ShippedImage, shippedBuildContext } from './docker-build-contexts';

/** Props of `ShippedDockerImage`. */
export interface ShippedDockerImageProps {
  /** The Docker host to build on. */
  readonly provider: DockerProvider;
  /** Which shipped Dockerfile to build. */
  readonly image: ShippedImage;
  /**
   * The image the Dockerfile starts from (its `BASE_IMAGE` build argument), e.g. a mirror's copy.
   * @default the official image: node:20-bookworm-slim, postgres:15-bookworm or debian:bookworm-slim
   */
  readonly baseImage?: string;
}

const TAGS: Record<ShippedImage, string> = {
  [ShippedImage.API]: 'cdktf-failover-api/reference-api:local',
  [ShippedImage.POSTGRES]: 'cdktf-failover-api/postgres-pglogical:15',
  [ShippedImage.HAPROXY]: 'cdktf-failover-api/haproxy:2.6',
};

/** One of the package's images, built on a Docker host from a build context copied into cdktf.out as an asset. */
export class ShippedDockerImage extends Construct {
  /** The `docker_image` resource. */
  public readonly image: Image;
  /** The build context, as a Terraform asset. */
  public readonly context: TerraformAsset;

  constructor(scope: Construct, id: string, props: ShippedDockerImageProps) {
    super(scope, id);
    this.context = new TerraformAsset(this, 'context', { path: shippedBuildContext(props.image), type: AssetType.DIRECTORY });
    this.image = new Image(this, 'image', {
      provider: props.provider,
      name: TAGS[props.image],
      keepLocally: true,
      buildAttribute: { context: this.context.path, buildArgs: { BASE_IMAGE: props.baseImage ?? DEFAULT_BASE_IMAGES[props.image] } },
      // Rebuild when the context's content changes.
      triggers: { context_hash: this.context.assetHash },
    });
  }

  /** The image id, for a container's `image`. */
  get imageId(): string {
    return this.image.imageId;
  }
}
