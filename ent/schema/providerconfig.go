package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"calsync/internal/domain"
)

// ProviderConfig is an organization's settings for one provider.
type ProviderConfig struct{ ent.Schema }

// Mixin of the ProviderConfig.
func (ProviderConfig) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, TenantMixin{}} }

// Fields of the ProviderConfig.
func (ProviderConfig) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("provider").GoType(domain.ProviderGoogle).Immutable().Annotations(entgql.Type("Provider")),
		field.Bool("enabled").Default(false),
		field.Bool("users_can_override").Default(false),
		field.Enum("credential_mode").GoType(domain.CredentialPlatformApp).Default(string(domain.CredentialPlatformApp)).
			Annotations(entgql.Type("CredentialMode")),
		field.Enum("destination").Values("PRIMARY", "SECONDARY").Default("PRIMARY"),
		field.Enum("sync_direction").Values("PUSH_ONLY", "TWO_WAY").Default("PUSH_ONLY"),
		field.Enum("unlink_policy").Values("REMOVE", "KEEP").Default("REMOVE"),
		// PRIVATE_APP: the organization's own OAuth client.
		field.String("client_id").Optional().MaxLen(512),
		field.Bytes("client_secret_enc").Optional().Sensitive().Annotations(entgql.Skip()),
		// SERVICE_ACCOUNT (Google): the service account's key, encrypted;
		// the client email is kept in clear for display.
		field.String("service_account_email").Optional().MaxLen(320),
		field.Bytes("service_account_key_enc").Optional().Sensitive().Annotations(entgql.Skip()),
		// SERVICE_ACCOUNT (Microsoft): the directory (tenant) id for
		// app-only client credentials.
		field.String("ms_tenant_id").Optional().MaxLen(128),
	}
}

// Indexes of the ProviderConfig.
func (ProviderConfig) Indexes() []ent.Index {
	return []ent.Index{index.Fields("organization_id", "provider").Unique()}
}

// Annotations of the ProviderConfig.
func (ProviderConfig) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)}
}
