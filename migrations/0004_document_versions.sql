CREATE TABLE "document_versions" (
	"id" text PRIMARY KEY NOT NULL,
	"document_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"kind" text NOT NULL,
	"name" text,
	"author_ids" text[] DEFAULT '{}'::text[] NOT NULL,
	"text" text NOT NULL,
	"text_length" integer NOT NULL,
	"state_vector" jsonb NOT NULL,
	CONSTRAINT "document_versions_kind_check" CHECK ("document_versions"."kind" in ('auto', 'named', 'restore'))
);
--> statement-breakpoint
ALTER TABLE "document_versions" ADD CONSTRAINT "document_versions_document_id_documents_id_fk" FOREIGN KEY ("document_id") REFERENCES "public"."documents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "document_versions_document_created_idx" ON "document_versions" USING btree ("document_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);